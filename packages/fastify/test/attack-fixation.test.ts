/**
 * Session fixation (OWASP Session Management: "renew the session id after any privilege level change";
 * "the session id must not be adopted from the client"). An attacker-chosen id is never adopted, neither
 * before login nor after it.
 */
import { createSessionId } from '@gaes/core';
import t from 'tap';
import { assertRepelled, attackApp, craftCookie, probe } from './attack-support.ts';
import { CookieJar, setCookies, countingKeyv, CountingStore } from './helpers/app.ts';

t.test('a raw, attacker-chosen id as the cookie value is never adopted, before or after login', async (t) => {
  const { app, logs } = await attackApp();
  const planted = createSessionId(Date.now() + 3_600_000, false);
  for (const value of [planted, `${planted}.`, encodeURIComponent(planted), `2.${planted.slice(0, 20)}`]) {
    const before = await probe(app, logs, `gaes0=${value}; gaes1=${planted.slice(20)}`);
    assertRepelled(t, before, logs, { reason: /malformed|incomplete/, plantedId: planted });
    logs.clear();
    const login = await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' }, headers: { cookie: `gaes0=${value}` } });
    t.equal(login.statusCode, 200);
    t.not(login.json().id, planted, 'login issues its own id');
    t.match(login.json().id, /^\d{10}_[0-9a-f]{32}$/);
    t.ok(logs.gaes().some((l) => l.msg?.includes('rejected')), 'the planted cookie was logged as rejected');
  }
});

t.test('an id the server never issued, even sealed with the real key, is never adopted (server-side tier)', async (t) => {
  const { keyv, map } = countingKeyv();
  const durableStore = new CountingStore();
  const { app, logs } = await attackApp({ cookieOnlyThreshold: 0, cache: keyv, durableStore });
  const planted = createSessionId(Date.now() + 3_600_000, false);
  const cookie = `gaes0=${craftCookie(planted, { pointer: true })}`;
  assertRepelled(t, await probe(app, logs, cookie), logs, { reason: /missing/, plantedId: planted });
  const login = await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' }, headers: { cookie } });
  t.equal(login.statusCode, 200);
  t.not(login.json().id, planted, 'a fresh id at login');
  t.notOk(durableStore.data.has(planted), 'nothing stored under the planted id');
  t.notOk([...map.keys()].some((k) => k.includes(planted)), 'nothing cached under the planted id');
});

t.test("the attacker's own valid session planted in a victim's browser is worthless after the victim logs in", async (t) => {
  for (const cookieOnlyThreshold of [10_240, 0]) {
    let now = Date.now();
    const { keyv } = countingKeyv();
    const { app, logs } = await attackApp({ cookieOnlyThreshold, cache: keyv, now: () => now });
    // The attacker gets a genuine session from the server and plants its cookie in the victim's browser.
    const attacker = new CookieJar();
    const own = await app.inject({ method: 'POST', url: '/set', payload: { cart: ['book'] } });
    attacker.apply(own);
    const plantedId = own.json().id as string;
    const victim = new CookieJar();
    for (const [k, v] of attacker.cookies) victim.cookies.set(k, v);
    const login = await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' }, headers: { cookie: victim.header() } });
    victim.apply(login);
    const victimId = login.json().id as string;
    t.not(victimId, plantedId, `threshold ${cookieOnlyThreshold}: the id changes at login`);
    const victimView = await probe(app, logs, victim.header());
    t.equal(victimView.state.user, 'victim');
    t.same(victimView.state.keys.sort(), ['cart', 'user'], 'the victim keeps the pre-login data');
    // The attacker replays the planted cookie, at once (inside the grace period of the old id) and later.
    const replay = await probe(app, logs, attacker.header());
    t.equal(replay.res.statusCode, 200);
    t.equal(replay.state.user, null, "the attacker's copy never gains the victim's login");
    t.not(replay.state.id, victimId);
    if (cookieOnlyThreshold === 0) {
      t.same(replay.state.keys, ['cart'], 'inside the grace period: only the old, planted state, read-only');
      t.same(setCookies(replay.res), [], 'and no cookie is set or cleared');
      now += 10_000 + 1000;
      assertRepelled(t, await probe(app, logs, attacker.header()), logs, { reason: /replaced/, victimUser: 'victim', plantedId });
    }
  }
});

t.test('a session id in the URL, a header or the body is never read', async (t) => {
  const { app, logs } = await attackApp();
  const victim = new CookieJar();
  const login = await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' } });
  victim.apply(login);
  const victimId = login.json().id as string;
  // A first visit's login is a regeneration: its cookie is in the second slot.
  const value = victim.cookies.get('gaes_0') as string;
  t.type(value, 'string', 'the login cookie');
  for (const req of [
    { url: `/probe?gaes_0=${value}&gaes0=${value}` },
    { url: '/probe', headers: { 'x-gaes0': value, 'x-gaes_0': value, authorization: `Bearer ${value}` } },
    { url: '/probe', headers: { 'set-cookie': `gaes_0=${value}` } },
  ]) {
    logs.clear();
    const res = await app.inject(req);
    t.equal(res.statusCode, 200);
    t.same(res.json(), { active: false, id: null, user: null, keys: [] }, 'only the Cookie header carries a session');
  }
  for (const payload of [{ gaes0: value, gaes_0: value }, { cookie: `gaes_0=${value}`, id: victimId }]) {
    const res = await app.inject({ method: 'POST', url: '/set', payload });
    t.equal(res.statusCode, 200);
    t.not(res.json().id, victimId, `a body carrying ${Object.keys(payload).join(', ')} starts a session of its own`);
  }
});
