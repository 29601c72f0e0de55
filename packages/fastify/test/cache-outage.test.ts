import t from 'tap';
import { Client } from '@gaes/test-support/cookie-jar';
import { warnings } from '@gaes/test-support/logs';
import { cacheApp, MemoryDurableStore, until } from './helpers/cache-app.ts';
import { fakeCache, type FakeMode } from './helpers/fake-cache.ts';

// Cache failures through the plugin, with a scripted in-memory cache (no servers, no timing).
// The same scenarios against real Redis and Memcached are in cache-fault-*.test.ts.

const FAILURES: readonly FakeMode[] = ['swallow', 'down', 'hang'];

for (const mode of FAILURES) {
  t.test(`cache ${mode}: reads fall through to the durable store, writes still land there`, async (t) => {
    const { keyv, adapter } = fakeCache();
    const durable = new MemoryDurableStore();
    const { app, logs } = await cacheApp({ cache: keyv, durableStore: durable, cookieOnlyThreshold: 0, cacheTimeout: '200ms' });
    t.teardown(() => app.close());
    const client = new Client(app);
    t.same((await client.request('GET', '/inc')).json(), { counter: 1, tier: null }, 'a new session');
    t.same((await client.request('GET', '/read')).json(), { counter: 1, tier: 'cache' }, 'served by the cache while it works');

    adapter.mode = mode;
    for (let expected = 2; expected <= 4; expected++) {
      const res = await client.request('GET', '/inc');
      t.equal(res.statusCode, 200, `request ${expected} answered`);
      t.same(res.json(), { counter: expected, tier: 'datastore' }, 'read from the durable store, nothing lost');
    }
    // Failures are logged until the circuit breaker opens (3 in a row); then the cache is skipped, and the
    // breaker says so once.
    t.equal(warnings(logs, /session cache read failed/).length, 1, 'the failed read is logged');
    t.equal(warnings(logs, /session cache write failed/).length, 1, 'the failed write is logged');
    t.match(warnings(logs, /session cache write failed/)[0], { err: { code: 'ERR_GAES_STORE_UNAVAILABLE' } });
    t.equal(warnings(logs, /session cache unavailable; skipping it/).length, 1, 'the breaker opened, once');

    adapter.mode = 'up';
    // Hung calls fail late, while the next request's first cache call runs: it must not be charged with them.
    adapter.releaseOnNextCall({ fail: true });
    // The cache still holds counter 1 (its deletes failed too): it is older than the cookie's revision, so it is
    // never served; the durable copy is, and refills the cache once the breaker's probe found it back.
    const reads = await until(
      async () => (await client.request('GET', '/read')).json() as { counter: number; tier: string },
      (r) => r.tier === 'cache',
    );
    t.same(reads.map((r) => r.counter), reads.map(() => 4), 'every read sees counter 4, never the stale 1');
    t.ok(reads.length >= 2 && reads.slice(0, -1).every((r) => r.tier === 'datastore'), 'back: refilled from the durable store');
    t.same(reads.at(-1), { counter: 4, tier: 'cache' }, 'and served by the cache again');
    if (mode === 'hang') t.ok(adapter.lateFailures > 0, `${adapter.lateFailures} hung calls failed late`);
  });

  t.test(`cache ${mode} with noDatastore: server-side sessions get a typed 503, cookie sessions keep working`, async (t) => {
    const server = fakeCache();
    const { app: serverSide } = await cacheApp({ cache: server.keyv, noDatastore: true, cookieOnlyThreshold: 0, cacheTimeout: '200ms' });
    const cookies = fakeCache();
    const { app: cookieSide } = await cacheApp({ cache: cookies.keyv, noDatastore: true, cacheTimeout: '200ms' });
    t.teardown(() => Promise.all([serverSide.close(), cookieSide.close()]));
    const a = new Client(serverSide);
    const b = new Client(cookieSide);
    t.same((await a.request('GET', '/inc')).json(), { counter: 1, tier: null });
    t.same((await a.request('GET', '/read')).json(), { counter: 1, tier: 'cache' });
    t.same((await b.request('GET', '/inc')).json(), { counter: 1, tier: null });
    t.same((await b.request('GET', '/read')).json(), { counter: 1, tier: 'cookie' });

    server.adapter.mode = mode;
    cookies.adapter.mode = mode;
    const read = await a.request('GET', '/read');
    t.equal(read.statusCode, 503, 'reading a server-side session: 503');
    t.equal(read.json().code, 'ERR_GAES_STORE_UNAVAILABLE');
    const fresh = await new Client(serverSide).request('GET', '/inc');
    t.equal(fresh.statusCode, 503, 'saving a new server-side session: 503');
    t.equal(fresh.json().code, 'ERR_GAES_STORE_UNAVAILABLE');
    t.same((await b.request('GET', '/inc')).json(), { counter: 2, tier: 'cookie' }, 'cookie-tier sessions never touch the cache');

    server.adapter.mode = 'up';
    server.adapter.releaseOnNextCall({ fail: true });
    // 503s (fast, the breaker being open) until the breaker's probe finds the cache back.
    const incs = await until(() => a.request('GET', '/inc'), (r) => r.statusCode === 200);
    t.ok(incs.slice(0, -1).every((r) => r.statusCode === 503), 'refused cleanly until the cache is back');
    t.same(incs.at(-1)?.json(), { counter: 2, tier: 'cache' }, 'the session survived the outage');
    if (mode === 'hang') t.ok(server.adapter.lateFailures > 0, `${server.adapter.lateFailures} hung calls failed late, charged to no live call`);
  });
}

t.test('a session too large for the cache is stored durably, and the log says why', async (t) => {
  const { keyv, adapter } = fakeCache();
  adapter.maxValueBytes = 64 * 1024;
  const durable = new MemoryDurableStore();
  const { app, logs } = await cacheApp({ cache: keyv, durableStore: durable, cookieOnlyThreshold: 0 });
  t.teardown(() => app.close());
  const client = new Client(app);
  t.equal((await client.request('POST', '/blob/100000')).statusCode, 200);
  t.equal(durable.data.size, 1, 'stored durably');
  const [line] = warnings(logs, /session cache write failed/);
  t.match(line, { err: { code: 'ERR_GAES_STORE_REJECTED', message: /too large for the cache/ } });
  t.same((await client.request('GET', '/blob')).json(), { length: 100_000, intact: true, tier: 'datastore' });
});
