/**
 * Users and their sessions: setUser / userId / handle, app.gaes.listSessions / endSession / endAllSessions,
 * for cookie-tier and server-side sessions, with Datastore and with the cache alone (noDatastore).
 */
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { buildApp, CookieJar, countingKeyv } from './helpers/app.ts';
import { freshNamespace, startDatastore } from '@gaes/test-support/datastore';
import { fakeCache } from './helpers/fake-cache.ts';

const { datastore } = await startDatastore(t);

function routes(app: FastifyInstance): void {
  app.post('/login/:user', async (req) => {
    req.session.regenerateId();
    req.session.setUser((req.params as { user: string }).user);
    req.session.set('n', 0);
    return { handle: req.session.handle, userId: req.session.userId };
  });
  app.get('/me', async (req) => ({ userId: req.session.userId ?? null, handle: req.session.handle ?? null, active: req.session.isActive() }));
  app.get('/sessions', async (req) => {
    const userId = req.session.userId;
    return userId === undefined ? [] : req.server.gaes.listSessions(userId, { current: req.session.handle });
  });
  app.post('/end/:handle', async (req) => ({ ended: await req.server.gaes.endSession(req.session.userId ?? '', (req.params as { handle: string }).handle) }));
  app.post('/end-others', async (req) => ({ ended: await req.server.gaes.endAllSessions(req.session.userId ?? '', { except: req.session.handle }) }));
}

const setups: Record<string, () => Record<string, unknown>> = {
  'cookie tier, Datastore': () => ({ datastore, datastoreNamespace: freshNamespace() }),
  'server-side, Datastore + shared cache': () => ({ datastore, datastoreNamespace: freshNamespace(), cache: countingKeyv().keyv, cookieOnlyThreshold: 0 }),
  'cookie tier, cache only (noDatastore)': () => ({ cache: fakeCache().keyv }),
};

for (const [name, options] of Object.entries(setups)) {
  t.test(`${name}: list, end one, end all others`, async (t) => {
    let now = 1_764_000_000_000;
    const app = await buildApp({ ...options(), now: () => now }, {}, routes);
    t.teardown(() => app.close());
    const devices = ['laptop', 'phone', 'tablet'].map((agent) => ({ agent, jar: new CookieJar() }));
    for (const d of devices) {
      now += 1000;
      const res = await app.inject({ method: 'POST', url: '/login/alice', headers: { 'user-agent': d.agent } });
      t.equal(res.json().userId, 'alice');
      d.jar.apply(res);
    }
    const other = new CookieJar();
    other.apply(await app.inject({ method: 'POST', url: '/login/bob' }));
    const [laptop, phone, tablet] = devices as [(typeof devices)[0], (typeof devices)[0], (typeof devices)[0]];
    const me = (d: { jar: CookieJar }) => app.inject({ url: '/me', headers: { cookie: d.jar.header() } }).then((r) => r.json());
    const list = (await app.inject({ url: '/sessions', headers: { cookie: laptop.jar.header() } })).json() as Array<{ handle: string; userAgent: string; current?: boolean }>;
    t.same(list.map((s) => s.userAgent).sort(), ['laptop', 'phone', 'tablet'], "every one of alice's devices, none of bob's");
    t.same(list.filter((s) => s.current === true).map((s) => s.userAgent), ['laptop'], 'the current one is marked');
    const phoneHandle = (await me(phone)).handle as string;
    t.ok(list.some((s) => s.handle === phoneHandle), 'handles match request.session.handle');

    t.equal((await app.inject({ method: 'POST', url: `/end/${phoneHandle}`, headers: { cookie: other.header() } })).json().ended, false, "bob cannot end alice's session");
    t.equal((await app.inject({ method: 'POST', url: '/end/AAAAAAAAAAAAAAAAAAAAAA', headers: { cookie: laptop.jar.header() } })).json().ended, false, 'an unknown handle: false');
    t.equal((await app.inject({ method: 'POST', url: '/end/not-a-handle', headers: { cookie: laptop.jar.header() } })).json().ended, false, 'a forged handle: false');
    t.equal((await app.inject({ method: 'POST', url: `/end/${phoneHandle}`, headers: { cookie: laptop.jar.header() } })).json().ended, true, 'alice ends her phone');
    t.same(await me(phone), { userId: null, handle: null, active: false }, "the phone's next request is signed out");
    t.equal((await me(laptop)).userId, 'alice', 'the laptop is not');
    t.equal((await app.inject({ method: 'POST', url: `/end/${phoneHandle}`, headers: { cookie: laptop.jar.header() } })).json().ended, false, 'ending it again: false');

    const ended = (await app.inject({ method: 'POST', url: '/end-others', headers: { cookie: laptop.jar.header() } })).json().ended;
    t.equal(ended, 1, 'sign out everywhere else: the tablet');
    t.equal((await me(tablet)).active, false, 'the tablet is signed out');
    t.equal((await me(laptop)).userId, 'alice', 'the laptop stays');
    t.equal((await me({ jar: other })).userId, 'bob', "bob's session is untouched");
    const after = (await app.inject({ url: '/sessions', headers: { cookie: laptop.jar.header() } })).json() as Array<{ userAgent: string }>;
    t.same(after.map((s) => s.userAgent), ['laptop']);

    now += 1000;
    const again = new CookieJar();
    again.apply(await app.inject({ method: 'POST', url: '/login/alice', headers: { 'user-agent': 'phone' } }));
    t.equal((await me({ jar: again })).userId, 'alice', 'a new sign-in after "everywhere" works');
    t.equal(await app.gaes.endAllSessions('alice'), 2, 'sign out everywhere: both');
    t.equal((await me(laptop)).active, false);
    t.equal((await me({ jar: again })).active, false);
    t.same(await app.gaes.listSessions('alice'), []);
    t.same(await app.gaes.listSessions('nobody'), [], 'an unknown user: []');
    t.equal(await app.gaes.endAllSessions('nobody'), 0, 'an unknown user: 0');
    t.equal(await app.gaes.endSession('', phoneHandle), false, 'an empty user id: false');
  });
}

t.test('handles: stable across regenerateId and writes, never the id; userId undefined for anonymous sessions', async (t) => {
  const app = await buildApp({}, {}, routes);
  const jar = new CookieJar();
  const anon = await app.inject({ method: 'POST', url: '/set', payload: { a: 1 } });
  jar.apply(anon);
  const before = (await app.inject({ url: '/me', headers: { cookie: jar.header() } })).json();
  t.equal(before.userId, null);
  t.match(before.handle, /^[A-Za-z0-9_-]{22}$/);
  const login = await app.inject({ method: 'POST', url: '/login/carol', headers: { cookie: jar.header() } });
  jar.apply(login);
  t.equal(login.json().handle, before.handle, 'regenerateId keeps the handle');
  jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { b: 2 }, headers: { cookie: jar.header() } }));
  const after = (await app.inject({ url: '/me', headers: { cookie: jar.header() } })).json();
  t.equal(after.handle, before.handle);
  t.not(after.handle, anon.json().id);
  const bad = await buildApp({}, {}, (a) => a.post('/bad', async (req) => {
    req.session.setUser('');
    return {};
  }));
  const res = await bad.inject({ method: 'POST', url: '/bad' });
  t.equal(res.statusCode, 500);
  t.equal(res.json().code, 'ERR_GAES_CONFIG');
});

t.test('a client that keeps sending an old cookie is recorded as seen once per userSeenInterval, not on every request', async (t) => {
  let now = 1_764_000_000_000;
  const app = await buildApp({ datastore, datastoreNamespace: freshNamespace(), now: () => now, userSeenInterval: '5m' }, {}, routes);
  t.teardown(() => app.close());
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/login/carol' }));
  const stale = jar.header();
  const writes = async (): Promise<number> => {
    let n = 0;
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({ url: '/me', headers: { cookie: stale } });
      t.equal(res.json().userId, 'carol');
      if (res.headers['set-cookie'] !== undefined) n++;
    }
    return n;
  };
  t.equal(await writes(), 0, 'within the interval: nothing to record');
  now += 6 * 60_000;
  t.equal(await writes(), 1, 'after it: the first request records the session as seen; the others, with the same old cookie, do not');
  const list = (await app.inject({ url: '/sessions', headers: { cookie: stale } })).json() as Array<{ lastSeenAt: string }>;
  t.equal(new Date(list[0]?.lastSeenAt ?? 0).getTime(), now, 'last seen: now');
  now += 6 * 60_000;
  t.equal(await writes(), 1, 'one more interval later: once more');
});
