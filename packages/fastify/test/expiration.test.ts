import t from 'tap';
import { buildApp, CookieJar, CountingStore, setCookies } from './helpers/app.ts';

t.test('absolute lifetime, enforced from the sealed id at the exact boundary', async (t) => {
  let now = 1_764_000_000_000;
  const app = await buildApp({ lifetime: '1h', now: () => now });
  const jar = new CookieJar();
  const res = await app.inject({ method: 'POST', url: '/set', payload: { a: 1 } });
  jar.apply(res);
  t.match(setCookies(res)[0], /Max-Age=3600;/);
  const expiresAt = (await app.inject({ url: '/state', headers: { cookie: jar.header() } })).json().expiresAt as number;
  t.equal(expiresAt, now + 3_600_000);
  now = expiresAt - 1;
  t.equal((await app.inject({ url: '/state', headers: { cookie: jar.header() } })).json().active, true, '1 ms before');
  now = expiresAt;
  const atBoundary = await app.inject({ url: '/state', headers: { cookie: jar.header() } });
  t.equal(atBoundary.json().active, false, 'at the instant: expired');
  t.match(setCookies(atBoundary)[0], /^gaes0=; Max-Age=0/, 'expired cookie cleared');
});

t.test('lifetime is rounded up to whole seconds, never shortened', async (t) => {
  const now = 1_764_000_000_999;
  const app = await buildApp({ lifetime: 10_500, now: () => now });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { a: 1 } }));
  const { expiresAt } = (await app.inject({ url: '/state', headers: { cookie: jar.header() } })).json() as { expiresAt: number };
  t.equal(expiresAt % 1000, 0, 'a whole second');
  t.ok(expiresAt >= now + 10_500, 'never earlier than the lifetime asks');
  t.ok(expiresAt < now + 10_500 + 1000, 'and less than a second later');
});

t.test('Max-Age is never 0 for a live session, whatever fraction of a second is left', async (t) => {
  // lifetime 1500 ms: writes at every tenth of a second give Max-Age 1 or 2, never 0 (a browser deletes a
  // cookie with Max-Age=0 at once).
  for (let offset = 0; offset < 1000; offset += 100) {
    let now = 1_764_000_000_000 + offset;
    const app = await buildApp({ lifetime: 1500, now: () => now });
    const jar = new CookieJar();
    const first = await app.inject({ method: 'POST', url: '/set', payload: { a: 1 } });
    jar.apply(first);
    const { expiresAt } = (await app.inject({ url: '/state', headers: { cookie: jar.header() } })).json() as { expiresAt: number };
    for (const at of [now, expiresAt - 900, expiresAt - 100, expiresAt - 1]) {
      now = at;
      const res = await app.inject({ method: 'POST', url: '/set', payload: { a: at }, headers: { cookie: jar.header() } });
      const header = setCookies(res).find((h) => h.startsWith('gaes0='));
      const maxAge = Number(/Max-Age=(\d+)/.exec(header ?? '')?.[1]);
      t.ok(maxAge >= 1 && maxAge * 1000 >= expiresAt - at, `Max-Age ${maxAge} with ${expiresAt - at} ms left`);
    }
  }
});

t.test('idle timeout: activity keeps the session, idleness ends it', async (t) => {
  let now = 1_764_000_000_000;
  const app = await buildApp({ idleTimeout: '10m', now: () => now });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { a: 1 } }));
  for (let i = 0; i < 5; i++) {
    now += 9 * 60_000;
    const res = await app.inject({ url: '/get/a', headers: { cookie: jar.header() } });
    t.same(res.json(), { value: 1 }, `active after ${(i + 1) * 9} min`);
    t.equal(setCookies(res).length, 1, 'activity re-seals the cookie');
    jar.apply(res);
  }
  now += 30_000;
  const quick = await app.inject({ url: '/get/a', headers: { cookie: jar.header() } });
  t.same(setCookies(quick), [], 'touches are throttled to a tenth of the timeout');
  now += 10 * 60_000 - 30_000 - 1;
  t.same((await app.inject({ url: '/get/a', headers: { cookie: jar.header() } })).json(), { value: 1 }, '1 ms before the idle limit');
  now += 1;
  const res = await app.inject({ url: '/get/a', headers: { cookie: jar.header() } });
  t.same(res.json(), { value: null }, 'idle for exactly 10 min: gone');
});

t.test('an expired id whose data still sits server-side is not used, and its copy is deleted', async (t) => {
  let now = 1_764_000_000_000;
  const durableStore = new CountingStore();
  const app = await buildApp({ lifetime: '1h', now: () => now, cookieOnlyThreshold: 0, durableStore });
  const jar = new CookieJar();
  const res = await app.inject({ method: 'POST', url: '/set', payload: { a: 1 } });
  jar.apply(res);
  const id = res.json().id as string;
  now += 3_600_000;
  const state = await app.inject({ url: '/get/a', headers: { cookie: jar.header() } });
  t.same(state.json(), { value: null });
  t.equal(durableStore.counts.get, 0, 'rejected without any read');
  t.notOk(durableStore.data.has(id), 'server copy removed');
});
