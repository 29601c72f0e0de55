import t from 'tap';
import { Client } from '@gaes/test-support/cookie-jar';
import { warnings } from '@gaes/test-support/logs';
import { cacheApp, MemoryDurableStore } from './helpers/cache-app.ts';
import { cacheServer, memcachedBackend } from './helpers/servers.ts';

// memcached with its default (and Memorystore's default) 1 MB item limit, set explicitly: `-I 1m`.
// A ~1 MB session is under the plugin's 1 MiB limit, but Keyv stores it as base64 (4/3 of its size).
const server = await cacheServer(t, 'memcached', { managedOnly: true, memcached: { maxItemBytes: 1024 * 1024 } });
if (server !== undefined) {
  const backend = memcachedBackend(server);
  t.teardown(() => backend.close());
  const ONE_MB = 1_000_000;

  t.test('a session over the item limit is stored durably, and the log says why it was not cached', async (t) => {
    const durable = new MemoryDurableStore();
    const { app, logs } = await cacheApp({ cache: backend.keyv, durableStore: durable, cookieOnlyThreshold: 0 });
    t.teardown(() => app.close());
    const client = new Client(app);
    t.equal((await client.request('POST', `/blob/${ONE_MB}`)).statusCode, 200, 'saved');
    t.equal(durable.data.size, 1, 'in the durable store');
    const [why] = warnings(logs, /session cache write failed/);
    t.match(why, { err: { code: 'ERR_GAES_STORE_REJECTED', message: /too large for the cache.*Value too large/s } }, 'logged with the reason');
    for (let i = 0; i < 2; i++) {
      t.same((await client.request('GET', '/blob')).json(), { length: ONE_MB, intact: true, tier: 'datastore' }, 'read back intact');
    }

    const small = new Client(app);
    await small.request('POST', '/blob/600000');
    t.same((await small.request('GET', '/blob')).json(), { length: 600_000, intact: true, tier: 'cache' }, 'a 600 KB session is cached');
  });

  t.test('with noDatastore the oversized save fails with a typed error instead of vanishing', async (t) => {
    const { app } = await cacheApp({ cache: backend.keyv, noDatastore: true, cookieOnlyThreshold: 0 });
    t.teardown(() => app.close());
    const res = await new Client(app).request('POST', `/blob/${ONE_MB}`);
    t.equal(res.statusCode, 500);
    t.equal(res.json().code, 'ERR_GAES_STORE_REJECTED');
  });
}
