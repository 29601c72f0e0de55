import { DatastoreSessionStore } from '@gaes/datastore';
import t from 'tap';
import type { GaesSessionOptions } from '../src/index.ts';
import { buildApp, CookieJar, countingKeyv, setCookies } from './helpers/app.ts';
import { freshNamespace, KIND, NEEDS_IN_MEMORY_EMULATOR, startDatastore, storedEntity, storedIds } from '@gaes/test-support/datastore';

/** Cache entries that hold sessions (terminate and regenerateId leave tombstones too). */
const liveEntries = (m: Map<string, unknown>): number => [...m.keys()].filter((k) => !k.includes('ended:')).length;

const { datastore, emulator, clientOptions } = await startDatastore(t);

/** An app whose durable tier is Datastore (a fresh namespace), with a visible in-memory cache. */
async function setup(options: Partial<GaesSessionOptions> = {}) {
  const namespace = freshNamespace();
  const { keyv, map } = countingKeyv();
  const app = await buildApp({ datastore, datastoreNamespace: namespace, cache: keyv, ...options });
  const jar = new CookieJar();
  const h = () => ({ cookie: jar.header() });
  const state = async () => (await app.inject({ url: '/state', headers: h() })).json();
  /** Starts a 20 KB session (server-side) in the jar; returns its id. */
  const startLarge = async (): Promise<string> => {
    const res = await app.inject({ method: 'POST', url: '/grow/20000' });
    jar.apply(res);
    return res.json().id as string;
  };
  return { app, namespace, map, jar, h, state, startLarge };
}

t.test('a large session is written to Datastore and the cache, and read back after a cache flush', async (t) => {
  const { app, namespace, map, jar, h, state } = await setup();
  const res = await app.inject({ method: 'POST', url: '/grow/20000' });
  t.equal(res.statusCode, 200);
  jar.apply(res);
  const id = res.json().id as string;
  t.same(await storedIds(datastore, namespace), [id], 'one entity, key name = session id');
  const entity = await storedEntity(datastore, namespace, id);
  t.ok((entity?.payload.length ?? 0) > 20000, 'the sealed payload');
  t.equal(entity?.expiresAt.getTime(), Number(id.slice(0, 10)) * 1000, 'expiresAt = the id’s expiry');
  t.equal(liveEntries(map), 1, 'cached too');
  t.equal((await state()).tier, 'cache', 'read from the cache');

  map.clear(); // cache flush (eviction, restart)
  let s = await state();
  t.equal(s.tier, 'datastore', 'read from Datastore');
  t.equal(s.id, id);
  t.equal(liveEntries(map), 1, 'the Datastore hit refilled the cache');
  s = await state();
  t.equal(s.tier, 'cache');
  const blob = (await app.inject({ url: '/get/blob', headers: h() })).json().value as string;
  t.equal(blob.length, 20000);
});

t.test('updated many times with a payload over 1,500 bytes', async (t) => {
  const { app, namespace, map, jar, h } = await setup();
  jar.apply(await app.inject({ method: 'POST', url: '/grow/20000' }));
  for (let i = 1; i <= 25; i++) {
    const res = await app.inject({ method: 'POST', url: '/set', headers: h(), payload: { n: i, pad: 'p'.repeat(2000 + i) } });
    t.equal(res.statusCode, 200, `update ${i}`);
    jar.apply(res);
  }
  map.clear();
  t.same((await app.inject({ url: '/get/n', headers: h() })).json(), { value: 25 }, 'the last update, from Datastore');
  t.equal((await storedIds(datastore, namespace)).length, 1, 'still one entity');
});

t.test('a session that shrinks under the threshold moves into cookies; its server copies are deleted', async (t) => {
  const { app, namespace, map, jar, h, state, startLarge } = await setup();
  const id = await startLarge();
  const res = await app.inject({ method: 'POST', url: '/grow/10', headers: h() });
  t.equal(res.statusCode, 200);
  jar.apply(res);
  t.same(await storedIds(datastore, namespace), [], 'entity deleted');
  t.equal(liveEntries(map), 0, 'cache entry deleted');
  const s = await state();
  t.equal(s.tier, 'cookie');
  t.equal(s.id, id, 'same session');
});

t.test('regenerateId writes the new entity; with regenerateGrace 0 the old one is deleted', async (t) => {
  const { app, namespace, map, jar, h } = await setup({ regenerateGrace: 0 });
  jar.apply(await app.inject({ method: 'POST', url: '/grow/20000' }));
  const res = await app.inject({ method: 'POST', url: '/regenerate', headers: h() });
  jar.apply(res);
  const { before, after } = res.json() as { before: string; after: string };
  t.not(after, before);
  t.same(await storedIds(datastore, namespace), [after], 'only the new id is stored');
  t.equal(liveEntries(map), 1);
  map.clear();
  t.equal(((await app.inject({ url: '/get/blob', headers: h() })).json().value as string).length, 20000, 'data kept');
});

t.test('terminate deletes the entity and the cache entry', async (t) => {
  const { app, namespace, map, jar, h, state } = await setup();
  jar.apply(await app.inject({ method: 'POST', url: '/grow/20000' }));
  const res = await app.inject({ method: 'POST', url: '/terminate', headers: h() });
  jar.apply(res);
  t.same(await storedIds(datastore, namespace), []);
  t.equal(liveEntries(map), 0);
  t.equal(jar.size, 0, 'cookies cleared');
  t.equal((await state()).active, false);
});

t.test('a session missing everywhere gives a new session; the old id is never adopted', async (t) => {
  const { app, namespace, map, h, startLarge } = await setup();
  const oldId = await startLarge();
  await datastore.delete(datastore.key({ namespace, path: [KIND, oldId] }));
  map.clear();
  const lost = await app.inject({ url: '/state', headers: h() });
  t.equal(lost.json().active, false, 'missing from cache and Datastore: inactive');
  t.ok(setCookies(lost).some((c) => c.includes('Max-Age=0')), 'the stale cookie is cleared');
  const res = await app.inject({ method: 'POST', url: '/set', headers: h(), payload: { a: 1 } });
  const newId = res.json().id as string;
  t.ok(newId);
  t.not(newId, oldId, 'a fresh id');
});

t.test('quick changes go to the cache only; a durable change in the same request persists both', async (t) => {
  const { app, namespace, map, jar, h, startLarge } = await setup();
  const id = await startLarge();
  const before = await storedEntity(datastore, namespace, id);
  jar.apply(await app.inject({ method: 'POST', url: '/set-quick', headers: h(), payload: { q: 1 } }));
  const after = await storedEntity(datastore, namespace, id);
  t.same(after?.payload, before?.payload, 'Datastore not written');
  t.same(after?.updatedAt, before?.updatedAt);
  t.same((await app.inject({ url: '/get/q', headers: h() })).json(), { value: 1 }, 'the cache has it');
  map.clear();
  t.same((await app.inject({ url: '/get/q', headers: h() })).json(), { value: null }, 'after eviction the quick change is gone (as designed)');

  jar.apply(await app.inject({ method: 'POST', url: '/set-quick', headers: h(), payload: { q: 2 } }));
  jar.apply(await app.inject({ method: 'POST', url: '/set', headers: h(), payload: { d: 3 } }));
  map.clear();
  t.same((await app.inject({ url: '/get/d', headers: h() })).json(), { value: 3 }, 'durable change persisted');
});

t.test('noDatastore: true keeps everything in the cache and cookies; a cache miss loses the session', async (t) => {
  const { app, namespace, map, jar, state } = await setup({ noDatastore: true });
  emulator?.resetCounts();
  jar.apply(await app.inject({ method: 'POST', url: '/grow/20000' }));
  t.equal(liveEntries(map), 1);
  t.same(await storedIds(datastore, namespace), [], 'nothing in Datastore');
  t.equal((await state()).tier, 'cache');
  map.clear();
  t.equal((await state()).active, false, 'lost with the cache');
  if (emulator !== undefined) t.equal(emulator.rpcCounts().Commit, 0, 'no Commit at all');
});

t.test('`datastore` may be options for `new Datastore()`, and `datastoreKind` names the kind', async (t) => {
  const { namespace, startLarge } = await setup({ datastore: { ...clientOptions }, datastoreKind: 'WebSession' });
  const id = await startLarge();
  t.same(await storedIds(datastore, namespace, 'WebSession'), [id]);
  t.same(await storedIds(datastore, namespace), []);
});

t.test('`durableStore` takes a DatastoreSessionStore', async (t) => {
  const namespace = freshNamespace();
  const durableStore = new DatastoreSessionStore({ datastore, namespace });
  const { keyv, map } = countingKeyv();
  const app = await buildApp({ durableStore, cache: keyv });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/grow/20000' }));
  const s = (await app.inject({ url: '/state', headers: { cookie: jar.header() } })).json();
  t.same(await storedIds(datastore, namespace), [s.id]);
  map.clear();
  t.equal((await app.inject({ url: '/state', headers: { cookie: jar.header() } })).json().tier, 'datastore');
});

t.test('small sessions stay in cookies and never touch Datastore', { skip: emulator === undefined && NEEDS_IN_MEMORY_EMULATOR }, async (t) => {
  const { app, namespace, jar, h } = await setup();
  emulator!.resetCounts();
  jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { a: 1 } }));
  jar.apply(await app.inject({ method: 'POST', url: '/set', headers: h(), payload: { b: 2 } }));
  t.same((await app.inject({ url: '/get/a', headers: h() })).json(), { value: 1 });
  t.same(Object.values(emulator!.rpcCounts()).reduce((a, b) => a + b, 0), 0, 'no RPC');
  t.same(await storedIds(datastore, namespace), []);
});
