import type { SessionStore } from '@gaes/core';
import { LogCapture, type LogLine } from '@gaes/test-support/logs';
import Fastify, { type FastifyInstance } from 'fastify';
import gaeSessions, { type GaesSessionOptions } from '../../src/index.ts';

export const CACHE_TEST_SECRET = 'cache-test-secret-0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * A durable {@link SessionStore} in memory (the stand-in for Datastore), honouring expiry, keeping copies and
 * counting writes (store-contract-doubles.test.ts).
 */
export class MemoryDurableStore implements SessionStore {
  readonly data = new Map<string, { value: Uint8Array; expiresAtMs: number }>();
  sets = 0;

  async get(id: string): Promise<Uint8Array | undefined> {
    const entry = this.data.get(id);
    if (entry === undefined || entry.expiresAtMs <= Date.now()) return undefined;
    return Uint8Array.from(entry.value);
  }

  async set(id: string, value: Uint8Array, expiresAtMs: number): Promise<void> {
    this.sets++;
    this.data.set(id, { value: Uint8Array.from(value), expiresAtMs });
  }

  async delete(id: string): Promise<void> {
    this.data.delete(id);
  }
}

/**
 * An app with the plugin and a few session routes, whose log lines (warn and above) are kept in `logs`:
 * `GET /inc` counts up, `GET /read` reads, `POST /blob/:bytes` stores a string of that many bytes, `GET /blob`
 * reads its length back. Every route answers with the session's tier.
 */
export async function cacheApp(options: Partial<GaesSessionOptions>): Promise<{ app: FastifyInstance; logs: LogLine[] }> {
  const logs = new LogCapture();
  const app = Fastify({ logger: { level: 'warn', stream: logs.stream } });
  // Breakers probe a failed tier every 20–50 ms here, so recovery shows up within a test's patience.
  const breaker = { circuitBreaker: { openFor: '20ms', maxOpenFor: '50ms' } };
  await app.register(gaeSessions, { secret: CACHE_TEST_SECRET, ...breaker, ...options } as GaesSessionOptions);
  app.get('/inc', async (req) => {
    const counter = ((req.session.get('counter') as number | undefined) ?? 0) + 1;
    req.session.set('counter', counter);
    return { counter, tier: req.session.tier ?? null };
  });
  app.get('/read', async (req) => ({ counter: req.session.get('counter') ?? null, tier: req.session.tier ?? null }));
  app.post('/blob/:bytes', async (req) => {
    req.session.set('blob', 'b'.repeat(Number((req.params as { bytes: string }).bytes)));
    return { id: req.session.id };
  });
  app.get('/blob', async (req) => {
    const blob = req.session.get('blob') as string | undefined;
    return { length: blob?.length ?? null, intact: blob === undefined ? null : /^b*$/.test(blob), tier: req.session.tier ?? null };
  });
  return { app, logs: logs.lines };
}

/**
 * Repeats `request` until `done` accepts its answer (at most `timeoutMs`, 20 ms apart) and returns every
 * answer seen: for waiting on a circuit breaker's background probe without a fixed sleep.
 */
export async function until<T>(request: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T[]> {
  const seen: T[] = [];
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await request();
    seen.push(value);
    if (done(value) || Date.now() > end) return seen;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
