/**
 * regenerateId() at login: a request that was in flight with the pre-login cookie is answered with the old
 * id's last state, read-only, and changes no cookie (regenerateGrace); the new session moves to the other
 * cookie slot, so even a response that re-sets the old cookie cannot replace it; the old id never sees the new
 * session's data; terminate ends both ids at once.
 */
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { buildApp, CookieJar, countingKeyv, CountingStore, setCookies } from './helpers/app.ts';

function loginRoutes(app: FastifyInstance): void {
  app.post('/login', async (req) => {
    const keepData = (req.query as { keep?: string }).keep !== '0';
    req.session.regenerateId({ keepData });
    req.session.set('user', 'alice');
    return { id: req.session.id, keys: req.session.keys() };
  });
}

async function setup(options: Parameters<typeof buildApp>[0] = {}) {
  let now = 1_764_000_000_000;
  const durableStore = new CountingStore();
  const { keyv } = countingKeyv();
  const app = await buildApp({ cookieOnlyThreshold: 0, cache: keyv, durableStore, now: () => now, ...options }, {}, loginRoutes);
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { cart: 'book' } }));
  const preLogin = jar.header();
  const login = await app.inject({ method: 'POST', url: '/login', headers: { cookie: preLogin } });
  jar.apply(login);
  return { app, jar, preLogin, login, durableStore, advance: (ms: number) => void (now += ms) };
}

t.test('inside the grace period the old id reads its last state, gains nothing, and touches no cookie', async (t) => {
  const { app, jar, preLogin, login } = await setup();
  t.same(setCookies(login).map((h) => h.split('=')[0]).sort(), ['gaes0', 'gaes_0'], 'login: the new session in the other slot, the old slot cleared');
  const read = await app.inject({ url: '/state', headers: { cookie: preLogin } });
  t.same(read.json().keys, ['cart'], 'the old state');
  t.not(read.json().id, login.json().id);
  t.same(setCookies(read), [], 'no cookie set or cleared');
  const write = await app.inject({ method: 'POST', url: '/set', payload: { late: 1 }, headers: { cookie: preLogin } });
  t.equal(write.statusCode, 200);
  t.same(setCookies(write), [], 'a late write: dropped, no cookie');
  t.same((await app.inject({ url: '/state', headers: { cookie: preLogin } })).json().keys, ['cart'], 'the old id did not change');
  const mine = (await app.inject({ url: '/state', headers: { cookie: jar.header() } })).json();
  t.same(mine.keys.sort(), ['cart', 'user'], 'the new session kept the data and has the login; the late write is not in it');
});

t.test('after the grace period the old id is refused', async (t) => {
  const { app, preLogin, advance } = await setup();
  advance(10_000 + 1000);
  const res = await app.inject({ url: '/state', headers: { cookie: preLogin } });
  t.equal(res.json().active, false);
  t.ok(setCookies(res).some((h) => h.startsWith('gaes0=; Max-Age=0')), 'its cookie cleared');
});

t.test('terminate of the new session ends the old id at once, inside the grace period', async (t) => {
  const { app, jar, preLogin, durableStore } = await setup();
  const logout = await app.inject({ method: 'POST', url: '/terminate', headers: { cookie: jar.header() } });
  jar.apply(logout);
  t.equal(jar.size, 0, 'every cookie cleared');
  t.equal((await app.inject({ url: '/state', headers: { cookie: preLogin } })).json().active, false, 'the old id: refused');
  t.equal(durableStore.data.size, 0, 'both ids deleted');
});

t.test('regenerateGrace: 0 refuses the old id at once', async (t) => {
  const { app, preLogin } = await setup({ regenerateGrace: 0 });
  t.equal((await app.inject({ url: '/state', headers: { cookie: preLogin } })).json().active, false);
});

t.test('regenerateId({ keepData: false }) starts the new id empty; the default keeps the data', async (t) => {
  const { app, jar } = await setup();
  t.same((await app.inject({ url: '/state', headers: { cookie: jar.header() } })).json().keys.sort(), ['cart', 'user']);
  const durableStore = new CountingStore();
  const clean = await buildApp({ cookieOnlyThreshold: 0, durableStore }, {}, loginRoutes);
  const jar2 = new CookieJar();
  jar2.apply(await clean.inject({ method: 'POST', url: '/set', payload: { planted: 'by attacker' } }));
  const login = await clean.inject({ method: 'POST', url: '/login?keep=0', headers: { cookie: jar2.header() } });
  t.same(login.json().keys, ['user'], 'only what was set after the regeneration');
  jar2.apply(login);
  t.same((await clean.inject({ url: '/state', headers: { cookie: jar2.header() } })).json().keys, ['user']);
});

t.test('cookie tier: a response that re-sets the pre-login cookie cannot replace the login', async (t) => {
  const app = await buildApp({}, {}, loginRoutes);
  const browser = new CookieJar();
  browser.apply(await app.inject({ method: 'POST', url: '/set', payload: { n: 0 } }));
  const preLogin = browser.header();
  const login = await app.inject({ method: 'POST', url: '/login', headers: { cookie: preLogin } });
  // A request sent before the login answers after it, and writes (cookie tier: it must set its cookie).
  const late = await app.inject({ method: 'POST', url: '/set', payload: { n: 1 }, headers: { cookie: preLogin } });
  for (const order of [[login, late], [late, login]]) {
    const jar = new CookieJar();
    for (const [k, v] of browser.cookies) jar.cookies.set(k, v);
    for (const res of order) jar.apply(res);
    const res = await app.inject({ url: '/state', headers: { cookie: jar.header() } });
    t.equal(res.json().id, login.json().id, 'the browser ends up in the logged-in session, whatever the order');
    t.same(res.json().keys.sort(), ['n', 'user']);
    jar.apply(res);
    t.same([...jar.cookies.keys()], ['gaes_0'], 'and the stale slot is cleared');
  }
});

t.test("a first visit's login is a regeneration too: sessions that parallel requests start cannot replace it", async (t) => {
  const app = await buildApp({}, {}, loginRoutes);
  const login = await app.inject({ method: 'POST', url: '/login' });
  t.ok(setCookies(login).some((h) => h.startsWith('gaes_0=')), 'written to the second slot');
  // A parallel request of the same first visit starts an anonymous session; its response arrives last.
  const anonymous = await app.inject({ method: 'POST', url: '/set', payload: { n: 1 } });
  const jar = new CookieJar();
  jar.apply(login);
  jar.apply(anonymous);
  const res = await app.inject({ url: '/state', headers: { cookie: jar.header() } });
  t.equal(res.json().id, login.json().id, 'the login wins');
});

t.test('switching users: of two unrelated logins, the later user binding wins', async (t) => {
  const app = await buildApp({}, {}, (a) => {
    loginRoutes(a);
    a.post('/switch/:user', async (req) => {
      req.session.start();
      req.session.regenerateId();
      req.session.setUser((req.params as { user: string }).user);
      return { id: req.session.id };
    });
    a.post('/bind/:user', async (req) => {
      req.session.setUser((req.params as { user: string }).user);
      return {};
    });
  });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/login' }));
  jar.apply(await app.inject({ method: 'POST', url: '/bind/x', headers: { cookie: jar.header() } }));
  jar.apply(await app.inject({ method: 'POST', url: '/login', headers: { cookie: jar.header() } }));
  const asX = jar.header();
  await new Promise((resolve) => setTimeout(resolve, 5));
  const switched = await app.inject({ method: 'POST', url: '/switch/y', headers: { cookie: asX } });
  const late = await app.inject({ method: 'POST', url: '/set', payload: { n: 2 }, headers: { cookie: asX } });
  jar.apply(switched);
  jar.apply(late);
  const res = await app.inject({ url: '/state', headers: { cookie: jar.header() } });
  t.equal(res.json().id, switched.json().id, "y's session wins over x's session re-set by a late response");
});
