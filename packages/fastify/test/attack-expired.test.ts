/**
 * Expired sessions whose data still sits server-side (OWASP Session Management: "enforce expiration on
 * the server"). The expiry is read from the sealed id, so a copy left in the cache or Datastore (the
 * sweeper has not run, a cache TTL is long) is never served; it is deleted on sight.
 */
import { openRecord } from '@gaes/core';
import t from 'tap';
import { assertRepelled, attackApp, probe, ringA } from './attack-support.ts';
import { CookieJar, countingKeyv, CountingStore } from './helpers/app.ts';

t.test('an expired id whose data is still in the cache and the durable store is refused, and its copies deleted', async (t) => {
  let now = Date.now();
  const { keyv, map } = countingKeyv();
  const durableStore = new CountingStore();
  const { app, logs } = await attackApp({ lifetime: '1h', cookieOnlyThreshold: 0, cache: keyv, durableStore, now: () => now });
  const jar = new CookieJar();
  const login = await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' } });
  jar.apply(login);
  const id = login.json().id as string;
  const cacheKey = `gaes:${id}`;
  // The clock passes the session's absolute expiry (ids round it up to the whole second, so a session is
  // never shorter than its lifetime); the copies stay where they were (real time barely moved).
  now += 3_600_000 + 1000;
  t.ok(map.has(cacheKey), 'the cache still holds the data');
  t.ok(durableStore.data.has(id), 'the durable store still holds the data');
  const stored = durableStore.data.get(id) as Uint8Array;
  t.ok(openRecord(ringA, id, stored).ok, 'and it is still a valid sealed value');
  const gets = durableStore.counts.get;
  const outcome = await probe(app, logs, jar.header());
  assertRepelled(t, outcome, logs, { reason: /^expired$/, victimUser: 'victim', plantedId: id });
  t.equal(durableStore.counts.get, gets, 'refused from the id alone: no store read');
  t.notOk(map.has(cacheKey), 'cache copy deleted');
  t.notOk(durableStore.data.has(id), 'durable copy deleted');
});

t.test('an expired id whose data is only in Datastore (cache lost) is refused without reading it', async (t) => {
  let now = Date.now();
  const { keyv, map } = countingKeyv();
  const durableStore = new CountingStore();
  const { app, logs } = await attackApp({ lifetime: '10m', cookieOnlyThreshold: 0, cache: keyv, durableStore, now: () => now });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' } }));
  map.clear();
  now += 600_000 + 1000;
  durableStore.resetCounts();
  assertRepelled(t, await probe(app, logs, jar.header()), logs, { reason: /^expired$/, victimUser: 'victim' });
  t.equal(durableStore.counts.get, 0, 'no read');
  t.equal(durableStore.data.size, 0, 'deleted');
});

t.test('an idle-expired server-side session is refused although its data is in the store', async (t) => {
  let now = Date.now();
  const { keyv } = countingKeyv();
  const durableStore = new CountingStore();
  const { app, logs } = await attackApp({ idleTimeout: '30m', cookieOnlyThreshold: 0, cache: keyv, durableStore, now: () => now });
  const jar = new CookieJar();
  const login = await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' } });
  jar.apply(login);
  now += 30 * 60_000;
  t.ok(durableStore.data.has(login.json().id as string), 'data still stored');
  assertRepelled(t, await probe(app, logs, jar.header()), logs, { reason: /^idle$/, victimUser: 'victim' });
  t.equal(durableStore.data.size, 0, 'deleted');
});

t.test('an expired cookie-tier session is refused', async (t) => {
  let now = Date.now();
  const { app, logs } = await attackApp({ lifetime: '1h', now: () => now });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' } }));
  now += 3_600_000 + 1000;
  assertRepelled(t, await probe(app, logs, jar.header()), logs, { reason: /^expired$/, victimUser: 'victim' });
});

t.test('a server-side copy re-planted under an expired id (stale replica) is still refused', async (t) => {
  let now = Date.now();
  const { keyv, map } = countingKeyv();
  const { app, logs } = await attackApp({ lifetime: '1h', cookieOnlyThreshold: 0, cache: keyv, now: () => now });
  const jar = new CookieJar();
  const login = await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' } });
  jar.apply(login);
  const key = `gaes:${login.json().id as string}`;
  const copy = map.get(key);
  now += 2 * 3_600_000;
  assertRepelled(t, await probe(app, logs, jar.header()), logs, { reason: /^expired$/, victimUser: 'victim' });
  map.set(key, copy);
  assertRepelled(t, await probe(app, logs, jar.header()), logs, { reason: /^expired$/, victimUser: 'victim' });
});
