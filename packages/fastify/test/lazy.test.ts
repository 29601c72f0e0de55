import { KeyRing } from '@gaes/core';
import t from 'tap';
import { buildApp, CookieJar, countingKeyv, CountingStore, SECRET_A, setCookies } from './helpers/app.ts';

function countingRing(): { source: { current(): KeyRing }; calls: () => number } {
  const ring = new KeyRing(SECRET_A);
  let n = 0;
  return {
    source: {
      current() {
        n++;
        return ring;
      },
    },
    calls: () => n,
  };
}

t.test('a request that never touches a cookie-tier session: nothing opened, no store call, no Set-Cookie', async (t) => {
  const { source, calls } = countingRing();
  const cache = countingKeyv();
  const durableStore = new CountingStore();
  // The revocation feed reads the cache at start-up and then every `revocationPoll`, never per request.
  const app = await buildApp({ keyring: source, cache: cache.keyv, durableStore, revocationPoll: '1h' });
  const jar = new CookieJar();
  cache.counts.get = 0;
  jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { a: 1 } }));
  t.equal(jar.size, 1);
  const before = calls();
  const res = await app.inject({ url: '/untouched', headers: { cookie: jar.header() } });
  t.equal(res.statusCode, 200);
  t.same(setCookies(res), []);
  t.equal(calls(), before, 'the key ring was never asked for: nothing was opened');
  t.same(cache.counts, { get: 0, set: 0, delete: 0 }, 'no cache call');
  t.same(durableStore.counts, { get: 0, set: 0, delete: 0 }, 'no durable store call');
});

t.test('no cookie until the first set', async (t) => {
  const app = await buildApp();
  let res = await app.inject('/state');
  t.same(res.json(), { active: false, id: null, tier: null, keys: [], sslOnly: false, expiresAt: null });
  t.same(setCookies(res), [], 'reading an empty session sends nothing');
  res = await app.inject('/get/x');
  t.same(setCookies(res), []);
  res = await app.inject({ method: 'POST', url: '/pop/x' });
  t.same(setCookies(res), [], 'pop on an inactive session starts nothing');
  res = await app.inject({ method: 'POST', url: '/set', payload: { x: 1 } });
  t.equal(setCookies(res).length, 1);
  t.match(res.json().id, /^\d{10}_[0-9a-f]{32}$/);
});

t.test('an unchanged cookie-tier session reads back on every request and sends no Set-Cookie', async (t) => {
  const app = await buildApp();
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { a: 'b' } }));
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ url: '/get/a', headers: { cookie: jar.header() } });
    t.same(res.json(), { value: 'b' });
    t.same(setCookies(res), [], 'read-only request: no Set-Cookie');
  }
});

t.test('saved once per request, only when something changed', async (t) => {
  const app = await buildApp({}, {}, (app) =>
    app.get('/many', async (req) => {
      for (let i = 0; i < 50; i++) req.session.set(`k${i}`, i);
      return { ok: true };
    }),
  );
  const jar = new CookieJar();
  const res = await app.inject('/many');
  t.equal(setCookies(res).length, 1, 'fifty changes, one cookie');
  jar.apply(res);
  const res2 = await app.inject({ url: '/get/k7', headers: { cookie: jar.header() } });
  t.same(res2.json(), { value: 7 });
  t.same(setCookies(res2), [], 'a request that changes nothing saves nothing');
});

t.test('a cookie that keeps coming back although each response replaces it is decrypted twice, then remembered', async (t) => {
  // Opening a seal looks its key up in the ring; a cookie found in the cache of opened cookies does not.
  let opens = 0;
  class CountingRing extends KeyRing {
    override find(kid: number) {
      opens++;
      return super.find(kid);
    }
  }
  const ring = new CountingRing(SECRET_A);
  const app = await buildApp({ keyring: { current: () => ring } });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { counter: 0 } }));
  const replayed = jar.header();
  opens = 0;
  for (let i = 0; i < 5; i++) {
    const res = await app.inject({ url: '/inc', headers: { cookie: replayed } });
    t.equal(res.statusCode, 200);
    t.equal(setCookies(res).length, 1, 'every response replaces the cookie');
  }
  t.equal(opens, 2, 'decrypted on its first and second sightings only');
});
