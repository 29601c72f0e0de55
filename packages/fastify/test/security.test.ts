import t from 'tap';
import { buildApp, CookieJar, countingKeyv, CountingStore, SECRET_A, setCookies } from './helpers/app.ts';

t.test('cookie attributes: HttpOnly always, SameSite=Lax by default, Secure on HTTPS with auto', async (t) => {
  const app = await buildApp({}, { trustProxy: true });
  const http = await app.inject({ method: 'POST', url: '/set', payload: { a: 1 } });
  t.match(setCookies(http)[0], /; HttpOnly; SameSite=Lax$/);
  t.notMatch(setCookies(http)[0], /Secure/);
  const https = await app.inject({ method: 'POST', url: '/set', payload: { a: 1 }, headers: { 'x-forwarded-proto': 'https' } });
  t.match(setCookies(https)[0], /; HttpOnly; Secure; SameSite=Lax$/);
  const strict = await buildApp({ cookie: { sameSite: 'strict', secure: true, path: '/app', domain: 'example.com' } });
  t.match(setCookies(await strict.inject({ method: 'POST', url: '/set', payload: { a: 1 } }))[0], /; Domain=example.com; Path=\/app; HttpOnly; Secure; SameSite=Strict$/);
});

t.test('SSL-only sessions: Secure, never honoured over plain HTTP, and only started on HTTPS', async (t) => {
  const app = await buildApp({}, { trustProxy: true });
  const https = { 'x-forwarded-proto': 'https' };
  const plain = await app.inject({ method: 'POST', url: '/start?ssl=1' });
  t.equal(plain.statusCode, 500);
  t.equal(plain.json().code, 'ERR_GAES_SESSION_STATE');
  const jar = new CookieJar();
  const res = await app.inject({ method: 'POST', url: '/start?ssl=1', headers: https });
  jar.apply(res);
  t.match(setCookies(res)[0], /; Secure;/);
  t.match(res.json().id, /^\d{10}S[0-9a-f]{32}$/);
  const overHttps = (await app.inject({ url: '/state', headers: { ...https, cookie: jar.header() } })).json();
  t.equal(overHttps.active, true);
  t.equal(overHttps.sslOnly, true);
  const overHttp = await app.inject({ url: '/state', headers: { cookie: jar.header() } });
  t.equal(overHttp.json().active, false, 'not honoured over http');
  t.same(setCookies(overHttp), []);
  const spoofed = await app.inject({ url: '/state', headers: { cookie: jar.header(), 'x-forwarded-proto': 'http' } });
  t.equal(spoofed.json().active, false);
  const noProxyTrust = await buildApp();
  const untrusted = await noProxyTrust.inject({ url: '/state', headers: { ...https, cookie: jar.header() } });
  t.equal(untrusted.json().active, false, 'x-forwarded-proto ignored without trustProxy');
});

t.test('fixation: an id missing server-side is never adopted', async (t) => {
  const { keyv, map } = countingKeyv();
  const durableStore = new CountingStore();
  const app = await buildApp({ cookieOnlyThreshold: 0, cache: keyv, durableStore });
  const jar = new CookieJar();
  const first = await app.inject({ method: 'POST', url: '/set', payload: { a: 1 } });
  jar.apply(first);
  const planted = first.json().id as string;
  map.clear();
  durableStore.data.clear();
  const res = await app.inject({ method: 'POST', url: '/set', payload: { user: 'victim' }, headers: { cookie: jar.header() } });
  t.not(res.json().id, planted, 'a new id is issued');
  t.notOk(durableStore.data.has(planted));
});

t.test('a poisoned cache entry (another session\'s sealed value) is rejected', async (t) => {
  const { keyv, map } = countingKeyv();
  const app = await buildApp({ cookieOnlyThreshold: 0, cache: keyv });
  const a = new CookieJar();
  const b = new CookieJar();
  const ra = await app.inject({ method: 'POST', url: '/set', payload: { user: 'alice' } });
  a.apply(ra);
  const rb = await app.inject({ method: 'POST', url: '/set', payload: { user: 'bob' } });
  b.apply(rb);
  const keys = [...map.keys()];
  const aKey = keys.find((k) => k.includes(ra.json().id)) as string;
  const bKey = keys.find((k) => k.includes(rb.json().id)) as string;
  map.set(aKey, map.get(bKey));
  const res = await app.inject({ url: '/get/user', headers: { cookie: a.header() } });
  t.same(res.json(), { value: null }, 'bob\'s data is not served to alice');
  t.equal(res.statusCode, 200);
  t.match(setCookies(res)[0], /^gaes0=; Max-Age=0/, 'alice\'s cookie is cleared: the session counts as lost');
  map.set(aKey, 'garbage');
  const res2 = await app.inject({ url: '/state', headers: { cookie: a.header() } });
  t.equal(res2.statusCode, 200);
  t.equal(res2.json().active, false, 'an entry that is not a sealed value opens no session');
  t.match(setCookies(res2)[0], /^gaes0=; Max-Age=0/, 'and the cookie is cleared');
  t.same((await app.inject({ url: '/get/user', headers: { cookie: b.header() } })).json(), { value: 'bob' }, "bob's own session is untouched");
});

t.test('routes with config.session false do not load server data until asked', async (t) => {
  const { keyv, counts } = countingKeyv();
  const app = await buildApp({ cookieOnlyThreshold: 0, cache: keyv });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/grow/100' }));
  const gets = counts.get;
  const res = await app.inject({ url: '/lazy', headers: { cookie: jar.header() } });
  t.same(res.json(), { error: 'ERR_GAES_SESSION_STATE' });
  t.equal(counts.get, gets, 'no cache read');
  const loaded = await app.inject({ url: '/lazy?load=1', headers: { cookie: jar.header() } });
  t.same(loaded.json(), { value: 'loaded' });
  t.equal(counts.get, gets + 1);
  await app.inject({ url: '/state', headers: { cookie: jar.header() } });
  t.equal(counts.get, gets + 2, 'other routes load before the handler');
});

t.test('__Host- and __Secure- cookie names: always Secure; __Host- refuses a Domain or another Path', async (t) => {
  const { resolveOptions } = await import('../src/options.ts');
  const host = await buildApp({ cookieName: '__Host-gaes' });
  const res = await host.inject({ method: 'POST', url: '/set', payload: { a: 1 } });
  const cookies = setCookies(res);
  t.ok(cookies.length > 0 && cookies.every((h) => h.startsWith('__Host-gaes0=') && h.includes('; Secure') && h.includes('; Path=/') && !h.includes('Domain=')), 'Secure, Path=/, no Domain, even over plain HTTP');
  const jar = new CookieJar();
  jar.apply(res);
  t.same((await host.inject({ url: '/get/a', headers: { cookie: jar.header() } })).json(), { value: 1 }, 'read back under the prefixed name');
  const secure = await buildApp({ cookieName: '__Secure-gaes' });
  t.ok(setCookies(await secure.inject({ method: 'POST', url: '/set', payload: { a: 1 } })).every((h) => h.includes('; Secure')));
  for (const bad of [
    { cookieName: '__Host-gaes', cookie: { secure: false } },
    { cookieName: '__Secure-gaes', cookie: { secure: false } },
    { cookieName: '__Host-gaes', cookie: { domain: 'example.com' } },
    { cookieName: '__Host-gaes', cookie: { path: '/app' } },
  ] as const) {
    t.throws(() => resolveOptions({ secret: SECRET_A, ...bad }), { code: 'ERR_GAES_CONFIG' }, JSON.stringify(bad));
  }
});
