/**
 * Datastore frozen (every call hangs): requests that need it answer 503 within the call's total time
 * bound, then at once while the circuit breaker is open; cookie-tier sessions and cache hits are
 * unaffected; a new visitor's session is kept in the shared cache; once Datastore answers again a
 * background probe closes the circuit.
 */
import t from 'tap';
import { buildApp, CookieJar, countingKeyv } from './helpers/app.ts';
import { until } from './helpers/cache-app.ts';
import { freshNamespace, NEEDS_IN_MEMORY_EMULATOR, startDatastore } from '@gaes/test-support/datastore';

const { datastore, emulator } = await startDatastore(t);

t.test('a frozen Datastore: bounded 503s, then fast ones; cookie tier and cache hits unaffected', { skip: emulator === undefined && NEEDS_IN_MEMORY_EMULATOR }, async (t) => {
  const em = emulator!;
  t.teardown(() => em.clearFaults());
  const { keyv, map } = countingKeyv();
  const app = await buildApp({
    datastore,
    datastoreNamespace: freshNamespace(),
    cache: keyv,
    cookieOnlyThreshold: 0,
    datastoreRetry: { attemptTimeoutMs: 100, totalTimeoutMs: 250, baseDelayMs: 5, maxDelayMs: 5 },
    circuitBreaker: { failureThreshold: 2, openFor: '20ms', maxOpenFor: '50ms' },
  });
  const server = new CookieJar();
  server.apply(await app.inject({ method: 'POST', url: '/set', payload: { a: 1 } }));
  const cookieTier = await buildApp({ datastore, datastoreNamespace: freshNamespace() });
  const small = new CookieJar();
  small.apply(await cookieTier.inject({ method: 'POST', url: '/set', payload: { a: 1 } }));

  em.setLatency(60_000);
  const timed = async (url: string, jar: CookieJar, method: 'GET' | 'POST' = 'GET', payload?: object) => {
    const started = performance.now();
    const res = await app.inject({ method, url, headers: { cookie: jar.header() }, ...(payload === undefined ? {} : { payload }) });
    return { res, ms: performance.now() - started };
  };
  const first = await timed('/set', server, 'POST', { a: 2 });
  t.equal(first.res.statusCode, 503, 'a change needs Datastore: 503');
  t.equal(first.res.json().code, 'ERR_GAES_STORE_UNAVAILABLE');
  // Liveness bounds, not benchmarks: the total bound is 250 ms; without it one call would wait 60 s.
  t.ok(first.ms < 2000, `answered in ${Math.round(first.ms)} ms`);
  await timed('/set', server, 'POST', { a: 3 });
  const fast = await timed('/set', server, 'POST', { a: 4 });
  t.equal(fast.res.statusCode, 503, 'circuit open: still 503');
  t.ok(fast.ms < first.ms, `and at once (${Math.round(fast.ms)} ms vs ${Math.round(first.ms)} ms)`);

  const hit = await app.inject({ url: '/get/a', headers: { cookie: server.header() } });
  t.same(hit.json(), { value: 1 }, 'a cache hit needs no Datastore: served');
  const visitor = new CookieJar();
  const fresh = await app.inject({ method: 'POST', url: '/set', payload: { v: 1 } });
  t.equal(fresh.statusCode, 200, "a new visitor's first save is kept in the cache");
  visitor.apply(fresh);
  t.same((await app.inject({ url: '/get/v', headers: { cookie: visitor.header() } })).json(), { value: 1 });
  const cookieRead = await cookieTier.inject({ url: '/get/a', headers: { cookie: small.header() } });
  t.same(cookieRead.json(), { value: 1 }, 'cookie tier: unaffected');

  em.setLatency(0);
  const after = await until(() => app.inject({ method: 'POST', url: '/set', payload: { a: 5 }, headers: { cookie: server.header() } }), (r) => r.statusCode === 200);
  t.equal(after.at(-1)?.statusCode, 200, 'Datastore back: the probe closed the circuit and saves work again');
  server.apply(after.at(-1)!);
  map.clear();
  t.same((await app.inject({ url: '/get/a', headers: { cookie: server.header() } })).json(), { value: 5 }, 'and the change is in Datastore');
  const visitorSave = await app.inject({ method: 'POST', url: '/set', payload: { v: 2 }, headers: { cookie: visitor.header() } });
  t.equal(visitorSave.statusCode, 200);
  visitor.apply(visitorSave);
  map.clear();
  t.same((await app.inject({ url: '/get/v', headers: { cookie: visitor.header() } })).json(), { value: 2 }, "the visitor's session reached Datastore with its next save");
});
