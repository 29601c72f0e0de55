import t from 'tap';
import { KeyvSessionStore } from '../src/keyv-store.ts';
import { cacheConformance } from './helpers/cache-conformance.ts';
import { cacheServer, redisBackend } from './helpers/servers.ts';

const server = await cacheServer(t, 'redis');
if (server !== undefined) {
  const backend = redisBackend(server);
  t.teardown(() => backend.close());
  cacheConformance(t, (options) => new KeyvSessionStore(backend.keyv, { timeoutMs: 10_000, ...options }), { serverTtlMs: backend.serverTtlMs });
}
