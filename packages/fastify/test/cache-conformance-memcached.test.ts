import t from 'tap';
import { KeyvSessionStore } from '../src/keyv-store.ts';
import { cacheConformance } from './helpers/cache-conformance.ts';
import { cacheServer, memcachedBackend } from './helpers/servers.ts';

const server = await cacheServer(t, 'memcached');
if (server !== undefined) {
  const backend = memcachedBackend(server);
  t.teardown(() => backend.close());
  cacheConformance(t, (options) => new KeyvSessionStore(backend.keyv, { timeoutMs: 10_000, ...options }), { serverTtlMs: backend.serverTtlMs });
}
