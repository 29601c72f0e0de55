import type { VersionedSessionStore, VersionedValue, VersionedWrite } from '@gaes/core';
import { setCookieHeaders } from '@gaes/test-support/cookie-jar';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { Keyv } from 'keyv';
import gaeSessions, { type GaesSessionOptions } from '../../src/index.ts';

export const SECRET_A = 'test-secret-A-0123456789abcdefghijklmnopqrstuvwxyz';
export const SECRET_B = 'test-secret-B-0123456789abcdefghijklmnopqrstuvwxyz';

// The cookie jar is shared with other packages' tests; most tests here take it with buildApp from this file.
export { CookieJar } from '@gaes/test-support/cookie-jar';

/**
 * A versioned `SessionStore` in memory that counts calls (a stand-in durable tier for plugin-level tests):
 * `get`/`read` count as gets, `set`/`write` as sets; conditional writes behave as Datastore's do, and like
 * Datastore it keeps copies and returns expired values until deleted (store-contract-doubles.test.ts).
 */
export class CountingStore implements VersionedSessionStore {
  readonly data = new Map<string, Uint8Array>();
  readonly #versions = new Map<string, number>();
  #clock = 0;
  counts = { get: 0, set: 0, delete: 0 };
  failNext: { op: 'get' | 'set' | 'delete'; error: Error } | undefined;

  #maybeFail(op: 'get' | 'set' | 'delete'): void {
    this.counts[op]++;
    if (this.failNext?.op === op) {
      const { error } = this.failNext;
      this.failNext = undefined;
      throw error;
    }
  }
  async get(id: string): Promise<Uint8Array | undefined> {
    return (await this.read(id))?.value;
  }
  async read(id: string): Promise<VersionedValue | undefined> {
    this.#maybeFail('get');
    const value = this.data.get(id);
    return value === undefined ? undefined : { value: Uint8Array.from(value), version: String(this.#versions.get(id)) };
  }
  async set(id: string, value: Uint8Array, expiresAtMs: number): Promise<void> {
    await this.write(id, value, expiresAtMs);
  }
  async write(id: string, value: Uint8Array, _expiresAtMs: number, basedOn?: string): Promise<VersionedWrite> {
    this.#maybeFail('set');
    if (basedOn !== undefined && basedOn !== String(this.#versions.get(id) ?? 0)) return { written: false };
    const version = ++this.#clock;
    this.data.set(id, Uint8Array.from(value));
    this.#versions.set(id, version);
    return { written: true, version: String(version) };
  }
  async delete(id: string): Promise<void> {
    this.#maybeFail('delete');
    this.data.delete(id);
    this.#versions.set(id, ++this.#clock);
  }
  resetCounts(): void {
    this.counts = { get: 0, set: 0, delete: 0 };
  }
}

/** A Keyv whose operations are counted. */
export function countingKeyv(): { keyv: Keyv; counts: { get: number; set: number; delete: number }; map: Map<string, unknown> } {
  const map = new Map<string, unknown>();
  const keyv = new Keyv({ store: map });
  const counts = { get: 0, set: 0, delete: 0 };
  const get = keyv.get.bind(keyv);
  const set = keyv.set.bind(keyv);
  const del = keyv.delete.bind(keyv);
  Object.assign(keyv, {
    get: (...args: Parameters<typeof get>) => {
      counts.get++;
      return get(...args);
    },
    set: (...args: Parameters<typeof set>) => {
      counts.set++;
      return set(...args);
    },
    delete: (...args: Parameters<typeof del>) => {
      counts.delete++;
      return del(...args);
    },
  });
  return { keyv, counts, map };
}

/** An app with the plugin and routes that exercise every session method. */
export async function buildApp(
  options: Partial<GaesSessionOptions> = {},
  fastifyOptions: Record<string, unknown> = {},
  extraRoutes?: (app: FastifyInstance) => void,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, ...fastifyOptions });
  // A cache passed in stands for a shared one (Redis, Memcached) unless a test says otherwise.
  const scoped = options.cache !== undefined && options.cacheScope === undefined ? { ...options, cacheScope: 'shared' as const } : options;
  const withSecret = scoped.keyring === undefined ? { secret: SECRET_A, ...scoped } : scoped;
  await app.register(gaeSessions, withSecret as GaesSessionOptions);
  extraRoutes?.(app);
  app.get('/untouched', async () => ({ ok: true }));
  app.get('/state', async (req) => ({
    active: req.session.isActive(),
    id: req.session.id ?? null,
    tier: req.session.tier ?? null,
    keys: req.session.keys(),
    sslOnly: req.session.isSslOnly(),
    expiresAt: req.session.expiresAt?.getTime() ?? null,
  }));
  app.get('/get/:key', async (req) => ({ value: req.session.get((req.params as { key: string }).key) ?? null }));
  app.post('/set', async (req) => {
    for (const [k, v] of Object.entries(req.body as Record<string, unknown>)) req.session.set(k, v);
    return { id: req.session.id };
  });
  app.post('/set-quick', async (req) => {
    for (const [k, v] of Object.entries(req.body as Record<string, unknown>)) req.session.setQuick(k, v);
    return { id: req.session.id };
  });
  app.post('/pop/:key', async (req) => ({ value: req.session.pop((req.params as { key: string }).key) ?? null }));
  app.post('/pop-quick/:key', async (req) => ({ value: req.session.popQuick((req.params as { key: string }).key) ?? null }));
  app.post('/delete/:key', async (req) => ({ deleted: req.session.delete((req.params as { key: string }).key) }));
  app.post('/clear', async (req) => {
    req.session.clear();
    return { keys: req.session.keys() };
  });
  app.get('/inc', async (req) => {
    const n = ((req.session.get('counter') as number | undefined) ?? 0) + 1;
    req.session.set('counter', n);
    return { counter: n, tier: req.session.tier ?? null };
  });
  app.post('/grow/:bytes', async (req) => {
    req.session.set('blob', 'x'.repeat(Number((req.params as { bytes: string }).bytes)));
    return { id: req.session.id };
  });
  app.post('/regenerate', async (req) => {
    const before = req.session.id;
    req.session.regenerateId();
    return { before, after: req.session.id };
  });
  app.post('/terminate', async (req) => {
    req.session.terminate();
    return { active: req.session.isActive() };
  });
  app.post('/start', async (req) => {
    const ssl = (req.query as { ssl?: string }).ssl === '1';
    req.session.start({ sslOnly: ssl });
    req.session.set('started', true);
    return { id: req.session.id };
  });
  app.get('/lazy', { config: { session: false } }, async (req) => {
    const q = req.query as { load?: string };
    if (q.load === '1') await req.session.load();
    try {
      return { value: req.session.get('blob') === undefined ? null : 'loaded' };
    } catch (err) {
      return { error: (err as { code?: string }).code };
    }
  });
  return app;
}

/** The Set-Cookie headers of `res`, as a list. */
export function setCookies(res: LightMyRequestResponse): string[] {
  return setCookieHeaders(res);
}
