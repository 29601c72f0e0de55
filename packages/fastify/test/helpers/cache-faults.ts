import type { TestServer } from '@gaes/test-servers';
import { Keyv } from 'keyv';
import type { Test } from 'tap';
import { Client } from '@gaes/test-support/cookie-jar';
import { warnings } from '@gaes/test-support/logs';
import { cacheApp, MemoryDurableStore } from './cache-app.ts';
import type { CacheBackend } from './servers.ts';
import { eventually } from './servers.ts';

/**
 * The cache timeout of these tests: short, so a hung cache costs little, yet far above a healthy local
 * call. Assertions about which tier answers use `eventually`, so a slow moment on a busy machine is no failure.
 */
const CACHE_TIMEOUT = '500ms';
const CACHE_TIMEOUT_MS = 500;

/**
 * A client's session as the durable store alone sees it: an app with an empty cache in front of the
 * same durable store, asked with the client's cookies (so no value can come from the real cache).
 */
async function durableCounter(durable: MemoryDurableStore, client: Client): Promise<unknown> {
  const { app } = await cacheApp({ cache: new Keyv(), durableStore: durable, cookieOnlyThreshold: 0 });
  try {
    const res = await app.inject({ url: '/read', headers: { cookie: client.jar.header() } });
    return (res.json() as { counter: unknown }).counter;
  } finally {
    await app.close();
  }
}

async function tierOf(client: Client): Promise<unknown> {
  return (await client.request('GET', '/read')).json().tier;
}

/**
 * Fault tests with a real cache server through the plugin. `backend()` builds a fresh Keyv client for
 * `server`; the server is stopped, restarted, paused and resumed by pid.
 */
export function cacheFaultSuite(t: Test, server: TestServer, backend: () => CacheBackend): void {
  const open: Array<{ close(): Promise<unknown> }> = [];
  const use = <T extends { close(): Promise<unknown> }>(thing: T): T => {
    open.push(thing);
    return thing;
  };
  t.teardown(async () => {
    for (const thing of open.reverse()) await thing.close();
  });

  t.test('durable tier: the server crashes mid-run and comes back; nothing is lost', async (t) => {
    const { keyv } = use(backend());
    const durable = new MemoryDurableStore();
    const { app, logs } = await cacheApp({ cache: keyv, durableStore: durable, cookieOnlyThreshold: 0, cacheTimeout: CACHE_TIMEOUT });
    use(app);
    const clients = Array.from({ length: 4 }, () => new Client(app));
    for (const c of clients) t.equal((await c.request('GET', '/inc')).statusCode, 200);
    const allCached = async (): Promise<boolean> => (await Promise.all(clients.map(tierOf))).every((tier) => tier === 'cache');
    t.ok(await eventually(allCached), 'the cache serves reads');

    const failures: string[] = [];
    for (let round = 2; round <= 25; round++) {
      const requests = clients.map((c) => c.request('GET', '/inc'));
      // Stop and restart while requests are in flight.
      const fault = round === 8 ? server.stop({ signal: 'SIGKILL' }) : round === 17 ? server.restart() : Promise.resolve();
      const [responses] = await Promise.all([Promise.all(requests), fault]);
      responses.forEach((res, i) => {
        const body = res.statusCode === 200 ? (res.json() as { counter: number }) : undefined;
        if (body?.counter !== round) failures.push(`round ${round}, client ${i}: ${res.statusCode} ${res.body}`);
      });
    }
    t.same(failures, [], 'every request answered 200 with the next counter value');
    t.ok(warnings(logs, /session cache (read|write) failed/).length > 0, 'the outage was logged as warnings');
    t.same(await Promise.all(clients.map((c) => durableCounter(durable, c))), [25, 25, 25, 25], 'the durable store has every write');

    t.ok(await eventually(allCached), 'the cache serves reads again after the restart (the client reconnected)');
    const final = await Promise.all(clients.map((c) => c.request('GET', '/inc')));
    t.same(final.map((r) => r.json().counter), [26, 26, 26, 26], 'and sessions carry on');
  });

  t.test('noDatastore: a down cache is a typed 503 for server-side sessions; cookie sessions keep working', async (t) => {
    const { keyv } = use(backend());
    const { app: serverSide } = await cacheApp({ cache: keyv, noDatastore: true, cookieOnlyThreshold: 0, cacheTimeout: CACHE_TIMEOUT });
    const { app: cookieSide } = await cacheApp({ cache: keyv, noDatastore: true, cacheTimeout: CACHE_TIMEOUT });
    use(serverSide);
    use(cookieSide);
    const inCache = new Client(serverSide);
    const inCookie = new Client(cookieSide);
    t.equal((await inCache.request('GET', '/inc')).statusCode, 200);
    t.ok(await eventually(async () => (await tierOf(inCache)) === 'cache'), 'server-side');
    t.equal((await inCookie.request('GET', '/inc')).statusCode, 200);
    t.equal(await tierOf(inCookie), 'cookie');

    await server.stop();
    for (const [what, res] of [
      ['reading a server-side session', await inCache.request('GET', '/read')],
      ['writing a server-side session', await inCache.request('GET', '/inc')],
      ['starting a new server-side session', await new Client(serverSide).request('GET', '/inc')],
    ] as const) {
      t.equal(res.statusCode, 503, `${what}: 503`);
      t.equal(res.json().code, 'ERR_GAES_STORE_UNAVAILABLE', `${what}: typed`);
    }
    for (let expected = 2; expected <= 4; expected++) {
      t.same((await inCookie.request('GET', '/inc')).json(), { counter: expected, tier: 'cookie' }, 'the cookie session carries on');
    }

    await server.restart();
    const fresh = new Client(serverSide);
    t.ok(await eventually(async () => (await fresh.request('GET', '/inc')).statusCode === 200), 'new server-side sessions work again');
    t.ok(await eventually(async () => (await tierOf(fresh)) === 'cache'), 'in the cache');
    const old = await inCache.request('GET', '/read');
    t.equal(old.statusCode, 200, 'a session the restarted cache lost is a fresh session, not an error');
  });

  t.test('a hung server (SIGSTOP): every call is bounded by cacheTimeout and answers from the durable store', async (t) => {
    const { keyv } = use(backend());
    const durable = new MemoryDurableStore();
    const { app } = await cacheApp({ cache: keyv, durableStore: durable, cookieOnlyThreshold: 0, cacheTimeout: CACHE_TIMEOUT });
    use(app);
    const client = new Client(app);
    await client.request('GET', '/inc');
    server.pause();
    try {
      for (let expected = 2; expected <= 4; expected++) {
        const started = performance.now();
        const res = await client.request('GET', '/inc');
        const elapsedMs = performance.now() - started;
        t.same([res.statusCode, res.json().counter], [200, expected], `request ${expected} answered from the durable store`);
        // A liveness bound, not a benchmark: a request makes a few cache calls (about four here: read, write,
        // delete, the ended-session check), each cut off at cacheTimeout; unbounded, it would wait for the server.
        t.ok(elapsedMs < 10 * CACHE_TIMEOUT_MS, `request ${expected} answered in ${Math.round(elapsedMs)} ms, under 10 × cacheTimeout`);
      }
    } finally {
      server.resume();
    }
    t.equal(await durableCounter(durable, client), 4, 'the durable store has every write');
    t.ok(await eventually(async () => (await tierOf(client)) === 'cache'), 'the cache serves reads again');
    t.same((await client.request('GET', '/inc')).json().counter, 5, 'with the latest state');
  });
}
