import t from 'tap';
import { Client } from '@gaes/test-support/cookie-jar';
import { cacheApp, MemoryDurableStore } from './helpers/cache-app.ts';
import { cacheServer, redisBackend } from './helpers/servers.ts';

const server = await cacheServer(t, 'redis');
if (server !== undefined) {
  const backend = redisBackend(server);
  t.teardown(() => backend.close());

  t.test('Redis caches a session at the 1 MiB limit', async (t) => {
    const durable = new MemoryDurableStore();
    const { app, logs } = await cacheApp({ cache: backend.keyv, durableStore: durable, cookieOnlyThreshold: 0 });
    t.teardown(() => app.close());
    const client = new Client(app);
    t.equal((await client.request('POST', '/blob/1040000')).statusCode, 200);
    t.same((await client.request('GET', '/blob')).json(), { length: 1_040_000, intact: true, tier: 'cache' });
    t.same(logs, [], 'nothing to warn about');
  });
}
