/**
 * Datastore operations of a scripted mix, counted at the in-memory emulator:
 * `node --conditions=@gaes/source bench/http/datastore-ops.ts` (prints one `DSJSON {…}` line).
 *
 * Per user: login, 20 reads and 5 writes (a write after every 4 reads), logout — 27 requests; users run
 * 10 at a time, each with its own cookie jar. Every setup gets a fresh emulator state and zeroed counts
 * once its app is ready, so only the mix is counted. Throughput is not measured here (`app.inject`).
 */
import type { FastifyInstance, FastifyRequest, LightMyRequestResponse } from 'fastify';
import { sessionFor, type SessionSize } from './payload.ts';

process.env['METADATA_SERVER_DETECTION'] = 'none';

const SECRET = 'gaes-http-benchmark-secret-0123456789abcdef';
const PROJECT_ID = 'gaes-bench';
const READS = 20;
const WRITES = 5;
const CONCURRENT_USERS = 10;

/** One measured setup. */
interface Setup {
  readonly id: string;
  readonly label: string;
  readonly size: SessionSize;
  readonly build: (ds: unknown) => Promise<FastifyInstance>;
}

export interface DatastoreRow {
  readonly id: string;
  readonly label: string;
  readonly users: number;
  readonly requests: number;
  readonly counts: Record<string, number>;
  readonly lookup: number;
  readonly commit: number;
  readonly runQuery: number;
  readonly other: number;
  readonly total: number;
  /** Responses that were not what the script expected (e.g. a read that lost the user). */
  readonly mismatches: number;
}

interface SessionLike {
  get(key: string): unknown;
  set(key: string, value: unknown): unknown;
}
const sessionOf = (request: FastifyRequest): SessionLike => (request as unknown as { session: SessionLike }).session;

function routes(app: FastifyInstance, size: SessionSize, write: 'set' | 'setQuick', logout: (r: FastifyRequest) => Promise<void> | void, login?: (r: FastifyRequest) => void): void {
  app.post('/login', async (request) => {
    const n = Number((request.query as { n?: string }).n ?? 0);
    login?.(request);
    const data = sessionFor(n, size);
    const s = sessionOf(request);
    s.set('userId', data.userId);
    s.set('counter', data.counter);
    s.set('note', data.note);
    return { ok: true };
  });
  app.get('/read', async (request) => ({ userId: sessionOf(request).get('userId') ?? null }));
  app.get('/write', async (request) => {
    const s = sessionOf(request) as SessionLike & { setQuick?: (k: string, v: unknown) => unknown };
    const counter = ((s.get('counter') as number | undefined) ?? 0) + 1;
    if (write === 'setQuick' && s.setQuick !== undefined) s.setQuick('counter', counter);
    else s.set('counter', counter);
    return { counter };
  });
  app.post('/logout', async (request) => {
    await logout(request);
    return { ok: true };
  });
}

/**
 * A gaes setup. `cache: 'shared'` stands for Redis or Memcached (an in-memory Keyv declared shared, as one
 * instance sees it); `'process'` is the default in-memory cache, which is not used for sessions when
 * Datastore is set. `user` binds every session to its user at login (`setUser`).
 */
function gaesSetup(
  id: string,
  label: string,
  size: SessionSize,
  threshold: number | undefined,
  write: 'set' | 'setQuick',
  options: { readonly cache: 'shared' | 'process'; readonly user?: boolean },
): Setup {
  return {
    id,
    label,
    size,
    build: async (datastore) => {
      const { default: Fastify } = await import('fastify');
      const { default: gaeSessions } = await import('@gaes/fastify');
      const { Keyv } = await import('keyv');
      const app = Fastify();
      await app.register(gaeSessions, {
        secret: SECRET,
        cache: new Keyv(),
        cacheScope: options.cache,
        datastore: datastore as Parameters<typeof gaeSessions>[1]['datastore'],
        ...(threshold === undefined ? {} : { cookieOnlyThreshold: threshold }),
      } as Parameters<typeof gaeSessions>[1]);
      type GaesSession = { regenerateId(): unknown; terminate(): void; setUser(userId: string): unknown };
      routes(
        app,
        size,
        write,
        (r) => (r as unknown as { session: GaesSession }).session.terminate(),
        (r) => {
          const session = (r as unknown as { session: GaesSession }).session;
          session.regenerateId();
          if (options.user === true) session.setUser(`user-${String((r.query as { n?: string }).n ?? 0)}`);
        },
      );
      return app;
    },
  };
}

function fsessionSetup(id: string, label: string, rolling: boolean): Setup {
  return {
    id,
    label,
    size: 'small',
    build: async (datastore) => {
      const { default: Fastify } = await import('fastify');
      const { default: fastifyCookie } = await import('@fastify/cookie');
      const { default: fastifySession } = await import('@fastify/session');
      const { DatastoreStore } = await import('@google-cloud/connect-datastore');
      const app = Fastify();
      await app.register(fastifyCookie);
      // connect-datastore is an express-session store (callback get/set/destroy), which is the store
      // interface @fastify/session calls; it only needs express-session installed for its base class.
      const store = new DatastoreStore({ dataset: datastore as never, kind: 'express-sessions' });
      await app.register(fastifySession, { secret: SECRET, cookie: { secure: false }, store: store as never, rolling });
      routes(app, 'small', 'set', async (r) => {
        await (r as unknown as { session: { destroy(): Promise<void> } }).session.destroy();
      });
      return app;
    },
  };
}

export const SETUPS: readonly Setup[] = [
  gaesSetup('gaes-server', 'gaes, all data server-side (cookieOnlyThreshold 0), shared cache (Redis/Memcached) + Datastore', 'small', 0, 'set', { cache: 'shared' }),
  gaesSetup('gaes-server-quick', 'same, counter written with setQuick (cache only)', 'small', 0, 'setQuick', { cache: 'shared' }),
  gaesSetup('gaes-server-users', 'same as the first, every session bound to its user (setUser at login)', 'small', 0, 'set', { cache: 'shared', user: true }),
  gaesSetup('gaes-server-process', 'gaes, all data server-side, default in-memory cache (per process: not used) + Datastore', 'small', 0, 'set', { cache: 'process' }),
  gaesSetup('gaes-large', 'gaes defaults, 20 KB session (server-side by size), shared cache + Datastore', 'large', undefined, 'set', { cache: 'shared' }),
  gaesSetup('gaes-cookie', 'gaes defaults, small session (cookie tier)', 'small', undefined, 'set', { cache: 'process' }),
  gaesSetup('gaes-cookie-users', 'gaes defaults, small session (cookie tier), bound to its user', 'small', undefined, 'set', { cache: 'process', user: true }),
  fsessionSetup('fsession-datastore-rolling', '@fastify/session + @google-cloud/connect-datastore (rolling, the default)', true),
  fsessionSetup('fsession-datastore', '@fastify/session + @google-cloud/connect-datastore (rolling: false)', false),
];

class Jar {
  readonly #cookies = new Map<string, string>();
  header(): string | undefined {
    return this.#cookies.size === 0 ? undefined : [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  update(res: LightMyRequestResponse): void {
    const raw = res.headers['set-cookie'];
    const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    for (const h of list) {
      const [pair = '', ...attrs] = h.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (value === '' || expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
}

async function runUser(app: FastifyInstance, n: number): Promise<{ requests: number; mismatches: number }> {
  const jar = new Jar();
  let requests = 0;
  let mismatches = 0;
  const call = async (method: 'GET' | 'POST', url: string): Promise<LightMyRequestResponse> => {
    const cookie = jar.header();
    const res = await app.inject({ method, url, headers: cookie === undefined ? {} : { cookie } });
    requests++;
    if (res.statusCode !== 200) mismatches++;
    jar.update(res);
    return res;
  };
  await call('POST', `/login?n=${n}`);
  const userId = sessionFor(n, 'small').userId;
  for (let i = 0; i < READS; i++) {
    const res = await call('GET', '/read');
    if ((res.json() as { userId?: unknown }).userId !== userId) mismatches++;
    if (i % (READS / WRITES) === READS / WRITES - 1) {
      const w = await call('GET', '/write');
      if ((w.json() as { counter?: unknown }).counter !== (i + 1) / (READS / WRITES)) mismatches++;
    }
  }
  await call('POST', '/logout');
  return { requests, mismatches };
}

/** Runs every setup against one emulator; returns a row per setup. */
export async function countDatastoreOps(users: number): Promise<DatastoreRow[]> {
  const { DatastoreEmulator } = await import('@gaes/datastore-emulator');
  const { Datastore } = await import('@gaes/datastore');
  const emulator = await DatastoreEmulator.start();
  const rows: DatastoreRow[] = [];
  try {
    for (const setup of SETUPS) {
      emulator.reset();
      // `port` is a client option the typings leave out; the emulator speaks plain gRPC on 127.0.0.1.
      const clientOptions = { projectId: PROJECT_ID, apiEndpoint: '127.0.0.1', port: emulator.port };
      const datastore = new Datastore(clientOptions as ConstructorParameters<typeof Datastore>[0]);
      const app = await setup.build(datastore);
      await app.ready();
      emulator.resetCounts();
      let requests = 0;
      let mismatches = 0;
      let next = 1;
      const worker = async (): Promise<void> => {
        while (next <= users) {
          const r = await runUser(app, next++);
          requests += r.requests;
          mismatches += r.mismatches;
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENT_USERS, users) }, worker));
      const counts = emulator.rpcCounts() as Record<string, number>;
      await app.close();
      const lookup = counts['Lookup'] ?? 0;
      const commit = counts['Commit'] ?? 0;
      const runQuery = counts['RunQuery'] ?? 0;
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      rows.push({ id: setup.id, label: setup.label, users, requests, counts, lookup, commit, runQuery, other: total - lookup - commit - runQuery, total, mismatches });
    }
  } finally {
    await emulator.stop();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const users = Number(process.env['BENCH_DS_USERS'] ?? 200);
  const rows = await countDatastoreOps(users);
  process.stdout.write(`DSJSON ${JSON.stringify(rows)}\n`);
  process.exit(0);
}
