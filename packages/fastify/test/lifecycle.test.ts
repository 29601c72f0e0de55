import t from 'tap';
import { buildApp, CookieJar, countingKeyv, CountingStore, setCookies } from './helpers/app.ts';

t.test('Map-like methods', async (t) => {
  const app = await buildApp();
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { a: 1, b: 2, get: 'data', save: 'also data' } }));
  const h = () => ({ cookie: jar.header() });
  t.same((await app.inject({ url: '/state', headers: h() })).json().keys, ['a', 'b', 'get', 'save'], 'method names are plain keys');
  let res = await app.inject({ method: 'POST', url: '/pop/a', headers: h() });
  t.same(res.json(), { value: 1 });
  jar.apply(res);
  res = await app.inject({ method: 'POST', url: '/delete/b', headers: h() });
  t.same(res.json(), { deleted: true });
  jar.apply(res);
  res = await app.inject({ method: 'POST', url: '/delete/b', headers: h() });
  t.same(res.json(), { deleted: false });
  t.same(setCookies(res), [], 'deleting a missing key changes nothing');
  res = await app.inject({ method: 'POST', url: '/clear', headers: h() });
  t.same(res.json(), { keys: [] });
  jar.apply(res);
  res = await app.inject({ url: '/state', headers: h() });
  t.equal(res.json().active, true, 'clear keeps the session');
  t.same(res.json().keys, []);
});

t.test('regenerateId keeps data and expiry, gives a new id and (without a grace period) deletes the old server copy', async (t) => {
  const durableStore = new CountingStore();
  const app = await buildApp({ cookieOnlyThreshold: 0, durableStore, regenerateGrace: 0 });
  const jar = new CookieJar();
  const first = await app.inject({ method: 'POST', url: '/set', payload: { user: 'ann' } });
  jar.apply(first);
  const oldId = first.json().id as string;
  t.ok(durableStore.data.has(oldId));
  const before = (await app.inject({ url: '/state', headers: { cookie: jar.header() } })).json();
  const res = await app.inject({ method: 'POST', url: '/regenerate', headers: { cookie: jar.header() } });
  jar.apply(res);
  const { after } = res.json() as { after: string };
  t.not(after, oldId);
  t.equal(after.slice(0, 11), oldId.slice(0, 11), 'same expiry and flag');
  t.notOk(durableStore.data.has(oldId), 'old copy deleted');
  t.ok(durableStore.data.has(after));
  const state = (await app.inject({ url: '/state', headers: { cookie: jar.header() } })).json();
  t.equal(state.id, after);
  t.equal(state.expiresAt, before.expiresAt);
  t.same((await app.inject({ url: '/get/user', headers: { cookie: jar.header() } })).json(), { value: 'ann' });
});

t.test('regenerateId on a cookie-tier session re-seals under the new id', async (t) => {
  const app = await buildApp();
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { user: 'bob' } }));
  const oldCookie = jar.header();
  const res = await app.inject({ method: 'POST', url: '/regenerate', headers: { cookie: oldCookie } });
  jar.apply(res);
  t.not(res.json().after, res.json().before);
  t.same((await app.inject({ url: '/get/user', headers: { cookie: jar.header() } })).json(), { value: 'bob' });
});

t.test('terminate deletes the server copy and clears every session cookie', async (t) => {
  const durableStore = new CountingStore();
  const app = await buildApp({ cookieOnlyThreshold: 0, durableStore });
  const jar = new CookieJar();
  const first = await app.inject({ method: 'POST', url: '/set', payload: { user: 'cy' } });
  jar.apply(first);
  const id = first.json().id as string;
  const stolen = jar.header();
  const res = await app.inject({ method: 'POST', url: '/terminate', headers: { cookie: jar.header() } });
  t.same(res.json(), { active: false });
  const headers = jar.apply(res);
  t.equal(headers.length, 1);
  t.match(headers[0], /^gaes0=; Max-Age=0; Path=\/; HttpOnly/);
  t.equal(jar.size, 0);
  t.notOk(durableStore.data.has(id));
  const replay = await app.inject({ url: '/state', headers: { cookie: stolen } });
  t.equal(replay.json().active, false, 'replaying the terminated cookie gives no session');
  t.match(setCookies(replay)[0], /^gaes0=; Max-Age=0/, 'and clears it');
});

t.test('terminate of a chunked cookie session clears every chunk', async (t) => {
  const app = await buildApp();
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/grow/9000' }));
  t.equal(jar.size, 4);
  const headers = jar.apply(await app.inject({ method: 'POST', url: '/terminate', headers: { cookie: jar.header() } }));
  t.equal(headers.length, 4);
  t.equal(jar.size, 0);
});

t.test('start() on an active session discards it first', async (t) => {
  const durableStore = new CountingStore();
  const app = await buildApp({ cookieOnlyThreshold: 0, durableStore });
  const jar = new CookieJar();
  const first = await app.inject({ method: 'POST', url: '/set', payload: { old: 1 } });
  jar.apply(first);
  const res = await app.inject({ method: 'POST', url: '/start', headers: { cookie: jar.header() } });
  jar.apply(res);
  t.not(res.json().id, first.json().id);
  t.notOk(durableStore.data.has(first.json().id), 'old server copy deleted');
  t.same((await app.inject({ url: '/state', headers: { cookie: jar.header() } })).json().keys, ['started']);
});

t.test('setQuick / popQuick write the cache only; a normal change makes the save durable', async (t) => {
  const durableStore = new CountingStore();
  const { keyv, counts } = countingKeyv();
  const app = await buildApp({ cookieOnlyThreshold: 0, durableStore, cache: keyv }, {}, (app) => {
    app.post('/mixed', async (req) => {
      req.session.setQuick('q', 3);
      req.session.set('d', 4);
      return {};
    });
  });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { a: 1 } }));
  t.equal(durableStore.counts.set, 1);
  durableStore.resetCounts();
  const setsBefore = counts.set;
  let res = await app.inject({ method: 'POST', url: '/set-quick', payload: { q: 2 }, headers: { cookie: jar.header() } });
  t.equal(durableStore.counts.set, 0, 'quick change: no durable write');
  t.equal(counts.set, setsBefore + 1, 'quick change: one cache write');
  t.equal(setCookies(res).length, 1, 'the pointer cookie is re-sealed with the new revision');
  res = await app.inject({ url: '/get/q', headers: { cookie: jar.header() } });
  t.same(res.json(), { value: 2 });
  res = await app.inject({ method: 'POST', url: '/pop-quick/q', headers: { cookie: jar.header() } });
  t.same(res.json(), { value: 2 });
  t.equal(durableStore.counts.set, 0);
  await app.inject({ method: 'POST', url: '/mixed', headers: { cookie: jar.header() } });
  t.equal(durableStore.counts.set, 1, 'quick + normal in one request: one durable write');
});

t.test('getCurrentSession is opt-in and returns the request\'s session', async (t) => {
  const { getCurrentSession } = await import('../src/index.ts');
  const off = await buildApp({}, {}, (app) => app.get('/current', async () => ({ has: getCurrentSession() !== undefined })));
  t.same((await off.inject('/current')).json(), { has: false });
  const deep = async (): Promise<void> => {
    await new Promise((r) => setImmediate(r));
    getCurrentSession()?.set('fromDeep', true);
  };
  const on = await buildApp({ currentSession: true }, {}, (app) =>
    app.get('/current', async () => {
      await deep();
      return { has: getCurrentSession() !== undefined };
    }),
  );
  const jar = new CookieJar();
  const res = await on.inject('/current');
  t.same(res.json(), { has: true });
  jar.apply(res);
  t.same((await on.inject({ url: '/get/fromDeep', headers: { cookie: jar.header() } })).json(), { value: true });
  t.equal(getCurrentSession(), undefined, 'outside a request');
});
