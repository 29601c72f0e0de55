import fastifyCookie from '@fastify/cookie';
import { Datastore, DatastoreKeyRing } from '@gaes/datastore';
import gaeSessions, { type GaesSessionOptions } from '@gaes/fastify';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { createCache } from './cache.ts';
import { CLUSTER_SECRET, type ClusterAppConfig } from './config.ts';
import { countCacheCalls, countDatastoreCalls, newStats, type ClusterStats } from './stats.ts';
import { userRoutes } from './user-routes.ts';

/** The cookie name of the cookie-tier registration under `/cookie` (apart from the main one's `gaes`). */
export const COOKIE_TIER_COOKIE_NAME = 'gaesc';

/** What `GET /state` answers. */
export interface StateBody {
  readonly active: boolean;
  readonly counter: number | null;
  readonly keys: string[];
  readonly values: Record<string, unknown>;
  readonly tier: string | null;
  readonly id: string | null;
}

function counterOf(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

function queryPair(query: unknown): { k: string; v: string } | undefined {
  const { k, v } = (query ?? {}) as { k?: unknown; v?: unknown };
  return typeof k === 'string' && k !== '' && typeof v === 'string' ? { k, v } : undefined;
}

/**
 * What `POST /set-writer?k=&w=` stores under `k` (and `w` alone under `<k>.by`, in the same request): writer
 * `w`'s id in several fields, to tell one writer's whole value from a mix.
 */
export function writerValue(writer: string): { writer: string; fields: string[]; nested: { by: string } } {
  return { writer, fields: [`a:${writer}`, `b:${writer}`, `c:${writer}`], nested: { by: writer } };
}

/** The session routes, served by each registration of the plugin. */
function sessionRoutes(scope: FastifyInstance): void {
  scope.get('/inc', async (request) => {
    const counter = counterOf(request.session.get('counter')) + 1;
    request.session.set('counter', counter);
    return { counter, tier: request.session.tier ?? null, id: request.session.id ?? null };
  });
  scope.get('/state', async (request): Promise<StateBody> => {
    const { session } = request;
    const counter = session.get('counter');
    return {
      active: session.isActive(),
      counter: typeof counter === 'number' ? counter : null,
      keys: session.keys(),
      values: Object.fromEntries(session.entries()),
      tier: session.tier ?? null,
      id: session.id ?? null,
    };
  });
  for (const [path, quick] of [['/set', false], ['/set-quick', true]] as const) {
    scope.post(path, async (request, reply) => {
      const pair = queryPair(request.query);
      if (pair === undefined) return reply.code(400).send({ code: 'ERR_GAES_CLUSTER_BAD_QUERY', message: 'needs ?k=<key>&v=<value>' });
      if (quick) request.session.setQuick(pair.k, pair.v);
      else request.session.set(pair.k, pair.v);
      return { id: request.session.id ?? null };
    });
  }
  scope.post('/set-writer', async (request, reply) => {
    const { k, w, quick } = (request.query ?? {}) as { k?: unknown; w?: unknown; quick?: unknown };
    if (typeof k !== 'string' || k === '' || typeof w !== 'string' || w === '') {
      return reply.code(400).send({ code: 'ERR_GAES_CLUSTER_BAD_QUERY', message: 'needs ?k=<key>&w=<writer>' });
    }
    // The value under `k` and a second key `<k>.by`, both written by this one request.
    if (quick === '1') request.session.setQuick(k, writerValue(w)).setQuick(`${k}.by`, w);
    else request.session.set(k, writerValue(w)).set(`${k}.by`, w);
    return { id: request.session.id ?? null };
  });
  scope.post('/login', async (request) => {
    const before = request.session.id ?? null;
    request.session.regenerateId();
    request.session.set('user', 'u1');
    return { before, id: request.session.id ?? null };
  });
  scope.post('/logout', async (request) => {
    request.session.terminate();
    return { active: request.session.isActive() };
  });
  scope.get('/untouched', async () => ({ ok: true }));
  userRoutes(scope);
}

/** A running cluster app and what it needs closed. */
export interface ClusterApp {
  readonly app: FastifyInstance;
  readonly stats: ClusterStats;
}

/**
 * Builds the app one cluster process serves (not listening yet): the plugin over the configured cache,
 * Datastore and secret or key ring, the session routes of `app-process.ts`, and `GET /_cluster/stats`
 * (response counts and the cache and Datastore calls seen from outside the plugin). Errors answer with
 * their status (503 for an unavailable store) and are logged at warn.
 */
export async function buildClusterApp(config: ClusterAppConfig): Promise<ClusterApp> {
  const stats = newStats();
  const app = Fastify({ logger: { level: config.logLevel ?? 'warn', stream: process.stderr } });
  const cache = await createCache(config);
  countCacheCalls(cache.keyv, stats.cache);
  app.addHook('onClose', () => cache.close());

  const ds = config.datastore;
  const datastore =
    ds === undefined
      ? undefined
      : countDatastoreCalls(
          new Datastore({ projectId: ds.projectId, apiEndpoint: ds.host, ...(ds.namespace === undefined ? {} : { namespace: ds.namespace }) }),
          stats.datastore,
        );
  let keyring: DatastoreKeyRing | undefined;
  if (config.keyring !== undefined && ds !== undefined) {
    const kr = config.keyring;
    // A client of its own, so the ring's refreshes are not counted as session calls.
    keyring = await DatastoreKeyRing.open({
      datastore: new Datastore({ projectId: ds.projectId, apiEndpoint: ds.host }),
      ...(ds.namespace === undefined ? {} : { namespace: ds.namespace }),
      masterSecret: kr.masterSecret,
      refreshInterval: kr.refreshInterval,
      propagation: kr.propagation,
      ...(kr.lifetime === undefined ? {} : { lifetime: kr.lifetime }),
      onRefreshError: (err) => app.log.warn({ err }, 'key ring refresh failed'),
    });
    const opened = keyring;
    app.addHook('onClose', async () => opened.close());
  }

  const options = {
    ...(keyring === undefined ? { secret: config.secret ?? CLUSTER_SECRET } : { keyring }),
    cache: cache.keyv,
    ...(datastore === undefined ? {} : { datastore }),
    ...(ds?.namespace === undefined ? {} : { datastoreNamespace: ds.namespace }),
    ...config.options,
  } as GaesSessionOptions;

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    request.log.warn({ err, url: request.url }, 'request failed');
    void reply.code(status).send({ statusCode: status, code: err.code ?? null, message: err.message });
  });
  app.addHook('onResponse', async (_request, reply) => {
    const key = String(reply.statusCode);
    stats.responses[key] = (stats.responses[key] ?? 0) + 1;
  });
  app.get('/_cluster/stats', async () => stats);

  // One cookie parser for both registrations; each registration lives in its own scope, so they can differ.
  await app.register(fastifyCookie);
  await app.register(async (scope) => {
    await scope.register(gaeSessions, options);
    sessionRoutes(scope);
  });
  if (config.cookieTierRoutes === true) {
    const { cookieOnlyThreshold: _serverSide, ...cookieTier } = options;
    await app.register(
      async (scope) => {
        await scope.register(gaeSessions, { ...cookieTier, cookieName: COOKIE_TIER_COOKIE_NAME, cookie: { path: '/cookie' } });
        sessionRoutes(scope);
      },
      { prefix: '/cookie' },
    );
  }
  return { app, stats };
}
