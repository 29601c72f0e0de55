/**
 * One Fastify app per stack. Every session stack serves the same routes, so the rows differ only in the
 * session library:
 *
 * - `GET /login?size=small|large|BYTES&n=N` stores {@link sessionFor}(N, size) in a new session (sets the cookie);
 * - `GET /untouched` never touches the session; `GET /read` returns `{ userId }` from it;
 *   `GET /write` increments `counter` and returns it.
 *
 * The `cookie` stack (no session) also serves `GET /parsed`, which says how many cookies `@fastify/cookie`
 * parsed, for the harness's check before load.
 *
 * Libraries are imported lazily, so a stack loads only its own.
 */
import { Buffer } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseSessionSize, sessionFor } from './payload.ts';
import type { StackId } from './scenarios.ts';

/** Fixed secrets: the harness makes its cookies from a server, so nothing else needs to know them. */
const SECRET = 'gaes-http-benchmark-secret-0123456789abcdef';
const SECURE_SESSION_KEY = Buffer.from('0123456789abcdef0123456789abcdef', 'latin1');
const MGCREA_KEY = Buffer.from('fedcba9876543210fedcba9876543210', 'latin1');

/** What the routes need of a session object; gaes, secure-session, @mgcrea and @fastify/session all have it. */
interface SessionLike {
  get(key: string): unknown;
  set(key: string, value: unknown): unknown;
  setUser?(userId: string): unknown;
}

export interface StackOptions {
  readonly redisUrl: string | undefined;
}

export interface BuiltStack {
  readonly app: FastifyInstance;
  /** Closes what the app does not own (Redis clients). */
  readonly close: () => Promise<void>;
}

function sessionOf(request: FastifyRequest): SessionLike {
  return (request as unknown as { session: SessionLike }).session;
}

/** The measured routes; `bindUser` makes `/login` bind the session to its user (gaes's `setUser`). */
function addSessionRoutes(app: FastifyInstance, bindUser = false): void {
  app.get('/login', async (request) => {
    const q = request.query as { size?: string; n?: string };
    const data = sessionFor(Number(q.n ?? 0), parseSessionSize(q.size));
    const session = sessionOf(request);
    if (bindUser) (session.setUser as (userId: string) => unknown).call(session, data.userId);
    session.set('userId', data.userId);
    session.set('counter', data.counter);
    session.set('note', data.note);
    return { ok: true };
  });
  app.get('/untouched', async () => ({ hello: 'world' }));
  app.get('/read', async (request) => ({ userId: sessionOf(request).get('userId') }));
  app.get('/write', async (request) => {
    const session = sessionOf(request);
    const counter = ((session.get('counter') as number | undefined) ?? 0) + 1;
    session.set('counter', counter);
    return { counter };
  });
}

function needRedis(options: StackOptions, stack: StackId): string {
  if (options.redisUrl === undefined) throw new Error(`stack ${stack} needs BENCH_REDIS_URL`);
  return options.redisUrl;
}

/** Extra gaes options from `BENCH_GAES_OPTIONS` (JSON), for A/B runs of an option without editing the harness. */
function extraGaesOptions(): Record<string, unknown> {
  const raw = process.env['BENCH_GAES_OPTIONS'];
  if (raw === undefined || raw === '') return {};
  const parsed: unknown = JSON.parse(raw);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('BENCH_GAES_OPTIONS must be a JSON object');
  return parsed as Record<string, unknown>;
}

async function gaes(app: FastifyInstance, stack: StackId, options: StackOptions): Promise<() => Promise<void>> {
  const { default: gaeSessions } = await import('@gaes/fastify');
  const { Keyv } = await import('keyv');
  const extra = extraGaesOptions();
  if (stack === 'gaes-cookie' || stack === 'gaes-cookie-users') {
    // With users bound, every instance keeps the revocations it polls (from the in-memory directory here; from
    // Datastore in a deployment): a user-bound read checks that copy, with no I/O of its own.
    await app.register(gaeSessions, { secret: SECRET, ...extra });
    return async () => {};
  }
  if (stack === 'gaes-memory') {
    await app.register(gaeSessions, { secret: SECRET, cache: new Keyv(), cookieOnlyThreshold: 0, ...extra });
    return async () => {};
  }
  const { default: KeyvRedis } = await import('@keyv/redis');
  const cache = new Keyv(new KeyvRedis(needRedis(options, stack)));
  // `gaes-redis-tiered` keeps the default threshold (sessions go server-side by size) and waits up to 30 s for
  // the cache: with 300 KB–1 MB sessions, ten queued requests take longer than the default 1 s, which gaes
  // answers with 503s by design; the size rows measure what a request costs, not that timeout.
  const tierOptions = stack === 'gaes-redis' ? { cookieOnlyThreshold: 0 } : { cacheTimeout: '30s' };
  await app.register(gaeSessions, { secret: SECRET, cache, ...tierOptions, ...extra });
  return async () => {
    await cache.disconnect();
  };
}

async function fastifySession(app: FastifyInstance, stack: StackId, options: StackOptions): Promise<() => Promise<void>> {
  const { default: fastifyCookie } = await import('@fastify/cookie');
  const { default: session } = await import('@fastify/session');
  await app.register(fastifyCookie);
  // `secure: false`: the benchmark is plain HTTP, and @fastify/session does not save a Secure cookie over it.
  const common = { secret: SECRET, cookie: { secure: false } };
  if (stack === 'fsession-memory') {
    await app.register(session, common);
    return async () => {};
  }
  const { RedisStore } = await import('connect-redis');
  const { createClient } = await import('redis');
  const client = createClient({ url: needRedis(options, stack) });
  await client.connect();
  const store = new RedisStore({ client, prefix: 'fsess:' });
  await app.register(session, { ...common, store, rolling: stack === 'fsession-redis-rolling' });
  return async () => {
    await client.quit();
  };
}

/**
 * @mgcrea/fastify-session stateless: the whole session sealed in the cookie with libsodium's secretbox
 * (XSalsa20-Poly1305, `SODIUM_SECRETBOX`), a 32-byte key, no store. It opens the cookie in `onRequest`.
 */
async function mgcreaStateless(app: FastifyInstance): Promise<void> {
  const { default: fastifyCookie } = await import('@fastify/cookie');
  const { default: session } = await import('@mgcrea/fastify-session');
  const { SODIUM_SECRETBOX } = await import('@mgcrea/fastify-session-sodium-crypto');
  await app.register(fastifyCookie);
  // A fresh cookie-options object: the plugin writes its default path into the one it is given.
  await app.register(session, { key: MGCREA_KEY, crypto: SODIUM_SECRETBOX, cookie: { path: '/', httpOnly: true } });
}

/** Builds the app of `stack` with its routes (not listening yet). */
export async function buildStack(stack: StackId, options: StackOptions): Promise<BuiltStack> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  let close = async (): Promise<void> => {};
  switch (stack) {
    case 'bare':
      app.get('/untouched', async () => ({ hello: 'world' }));
      break;
    case 'cookie': {
      const { default: fastifyCookie } = await import('@fastify/cookie');
      await app.register(fastifyCookie);
      app.get('/untouched', async () => ({ hello: 'world' }));
      app.get('/parsed', async (request) => ({ cookies: Object.keys(request.cookies).length }));
      break;
    }
    case 'gaes-cookie':
    case 'gaes-cookie-users':
    case 'gaes-memory':
    case 'gaes-redis':
    case 'gaes-redis-tiered':
      close = await gaes(app, stack, options);
      addSessionRoutes(app, stack === 'gaes-cookie-users');
      break;
    case 'secure-session': {
      const { default: fastifyCookie } = await import('@fastify/cookie');
      const { default: secureSession } = await import('@fastify/secure-session');
      await app.register(fastifyCookie);
      await app.register(secureSession, { key: SECURE_SESSION_KEY, cookie: { path: '/', httpOnly: true } });
      addSessionRoutes(app);
      break;
    }
    case 'mgcrea-stateless':
      await mgcreaStateless(app);
      addSessionRoutes(app);
      break;
    case 'fsession-memory':
    case 'fsession-redis-rolling':
    case 'fsession-redis':
      close = await fastifySession(app, stack, options);
      addSessionRoutes(app);
      break;
    default: {
      const never: never = stack;
      throw new Error(`unknown stack ${String(never)}`);
    }
  }
  return { app, close };
}
