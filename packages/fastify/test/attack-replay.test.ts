/**
 * Replay (OWASP Session Management: "session termination must invalidate the session on the server").
 * A server-side session is revocable: its old cookie is refused after terminate() or regenerateId().
 * A cookie-tier session is not — the README's "Limits of stateless cookies" — and the documented
 * mitigations (`cookieOnlyThreshold: 0`, an idle timeout) close that gap.
 */
import t from 'tap';
import { assertRepelled, attackApp, probe } from './attack-support.ts';
import { CookieJar, countingKeyv, CountingStore } from './helpers/app.ts';

t.test('the cookie of a terminated server-side session is refused (cache only, and cache + durable store)', async (t) => {
  for (const durable of [false, true]) {
    const { keyv, map } = countingKeyv();
    const durableStore = new CountingStore();
    const { app, logs } = await attackApp({ cookieOnlyThreshold: 0, cache: keyv, ...(durable ? { durableStore } : {}) });
    const jar = new CookieJar();
    const login = await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' } });
    jar.apply(login);
    const stolen = jar.header();
    const id = login.json().id as string;
    t.equal((await probe(app, logs, stolen)).state.user, 'victim', 'the stolen cookie works while the session lives');
    const logout = await app.inject({ method: 'POST', url: '/terminate', headers: { cookie: stolen } });
    t.equal(logout.statusCode, 200);
    t.notOk([...map.keys()].some((k) => k.includes(id) && !k.includes('ended:')), 'cache entry deleted (a tombstone remains)');
    t.notOk(durableStore.data.has(id), 'durable entity deleted');
    assertRepelled(t, await probe(app, logs, stolen), logs, { reason: /missing/, victimUser: 'victim', plantedId: id });
    // Replaying into a write does not resurrect the old id either.
    const write = await app.inject({ method: 'POST', url: '/set', payload: { x: 1 }, headers: { cookie: stolen } });
    t.equal(write.statusCode, 200);
    t.not(write.json().id, id, `durable=${durable}: a write gets a fresh id`);
    t.notOk(durableStore.data.has(id));
  }
});

t.test('the cookie from before regenerateId() is refused for a server-side session once the grace period ends', async (t) => {
  let now = Date.now();
  const { keyv } = countingKeyv();
  const { app, logs } = await attackApp({ cookieOnlyThreshold: 0, cache: keyv, now: () => now });
  const jar = new CookieJar();
  const first = await app.inject({ method: 'POST', url: '/set', payload: { cart: 1 } });
  jar.apply(first);
  const old = jar.header();
  const login = await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' }, headers: { cookie: old } });
  t.not(login.json().id, first.json().id);
  now += 10_000 + 1000;
  assertRepelled(t, await probe(app, logs, old), logs, { reason: /replaced/, victimUser: 'victim', plantedId: first.json().id as string });
});

t.test('with regenerateGrace: 0 the cookie from before regenerateId() is refused at once', async (t) => {
  const { keyv } = countingKeyv();
  const { app, logs } = await attackApp({ cookieOnlyThreshold: 0, cache: keyv, regenerateGrace: 0 });
  const first = await app.inject({ method: 'POST', url: '/set', payload: { cart: 1 } });
  const old = new CookieJar();
  old.apply(first);
  const login = await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' }, headers: { cookie: old.header() } });
  t.not(login.json().id, first.json().id);
  assertRepelled(t, await probe(app, logs, old.header()), logs, { reason: /missing/, victimUser: 'victim', plantedId: first.json().id as string });
});

t.test('limit of stateless cookies: an old cookie-tier copy still opens after terminate (documented)', async (t) => {
  const { app, logs } = await attackApp();
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' } }));
  const copy = jar.header();
  const logout = await app.inject({ method: 'POST', url: '/terminate', headers: { cookie: copy } });
  jar.apply(logout);
  t.equal(jar.size, 0, 'the browser that logged out holds no cookie');
  const replay = await probe(app, logs, copy);
  t.equal(replay.state.active, true, 'a copy made before logout still opens: cookies cannot be revoked');
  t.equal(replay.state.user, 'victim');
});

t.test('mitigation: with cookieOnlyThreshold 0 the same replay fails', async (t) => {
  const { keyv } = countingKeyv();
  const { app, logs } = await attackApp({ cookieOnlyThreshold: 0, cache: keyv });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' } }));
  const copy = jar.header();
  jar.apply(await app.inject({ method: 'POST', url: '/terminate', headers: { cookie: copy } }));
  t.equal(jar.size, 0);
  assertRepelled(t, await probe(app, logs, copy), logs, { reason: /missing/, victimUser: 'victim' });
});

t.test('mitigation: an idle timeout bounds how long a copied cookie-tier session can be replayed', async (t) => {
  let now = Date.now();
  const { app, logs } = await attackApp({ idleTimeout: '15m', now: () => now });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' } }));
  const copy = jar.header();
  now += 14 * 60_000;
  t.equal((await probe(app, logs, copy)).state.user, 'victim', 'within the idle timeout');
  now += 60_000;
  assertRepelled(t, await probe(app, logs, copy), logs, { reason: /^idle$/, victimUser: 'victim' });
});
