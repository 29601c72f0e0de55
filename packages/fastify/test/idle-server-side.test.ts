/**
 * The idle timeout of a server-side session is judged from its server-side record, never from the copy of
 * the pointer cookie a request happens to carry: replaying an old copy after the idle timeout must not end
 * the session that the current cookie still uses.
 */
import t from 'tap';
import { buildApp, CookieJar, countingKeyv, CountingStore } from './helpers/app.ts';

t.test('an old copy of a pointer cookie replayed after the idle timeout leaves the live session alone', async (t) => {
  let now = 1_764_000_000_000;
  const durableStore = new CountingStore();
  const { keyv } = countingKeyv();
  const app = await buildApp({ idleTimeout: '10m', cookieOnlyThreshold: 0, cache: keyv, durableStore, now: () => now });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { a: 1 } }));
  const oldCopy = jar.header();
  const id = [...durableStore.data.keys()][0] as string;
  // The user stays active: each request more than a tenth of the idle timeout later records activity.
  for (let i = 0; i < 4; i++) {
    now += 5 * 60_000;
    const res = await app.inject({ url: '/get/a', headers: { cookie: jar.header() } });
    t.same(res.json(), { value: 1 }, `active after ${(i + 1) * 5} min`);
    jar.apply(res);
  }
  // 20 minutes after the old copy was issued, it is replayed (by an attacker, or a stale tab).
  const replay = await app.inject({ url: '/get/a', headers: { cookie: oldCopy } });
  t.same(replay.json(), { value: 1 }, 'the server-side record says active: the old copy still reads the live session');
  t.ok(durableStore.data.has(id), 'and the session was not deleted');
  t.same((await app.inject({ url: '/get/a', headers: { cookie: jar.header() } })).json(), { value: 1 }, 'the current cookie works');
});

t.test('a server-side session idle on the server is ended, whatever copy of the cookie arrives', async (t) => {
  let now = 1_764_000_000_000;
  const durableStore = new CountingStore();
  const { keyv } = countingKeyv();
  const app = await buildApp({ idleTimeout: '10m', cookieOnlyThreshold: 0, cache: keyv, durableStore, now: () => now });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { a: 1 } }));
  now += 10 * 60_000;
  const res = await app.inject({ url: '/state', headers: { cookie: jar.header() } });
  t.equal(res.json().active, false, 'idle: a fresh session');
  t.equal(durableStore.data.size, 0, 'its server-side copies deleted');
});

t.test('activity of a server-side session is recorded in its record at most every tenth of the idle timeout', async (t) => {
  let now = 1_764_000_000_000;
  const durableStore = new CountingStore();
  const { keyv, counts } = countingKeyv();
  const app = await buildApp({ idleTimeout: '10m', cookieOnlyThreshold: 0, cache: keyv, durableStore, now: () => now });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { a: 1 } }));
  const writes = (): number => counts.set;
  const before = writes();
  now += 30_000;
  jar.apply(await app.inject({ url: '/get/a', headers: { cookie: jar.header() } }));
  t.equal(writes(), before, 'within a tenth of the timeout: nothing written');
  now += 60_000;
  jar.apply(await app.inject({ url: '/get/a', headers: { cookie: jar.header() } }));
  t.equal(writes(), before + 1, 'after a tenth: one quick (cache) write');
  t.equal(durableStore.counts.set, 1, 'and no durable write for activity alone');
});
