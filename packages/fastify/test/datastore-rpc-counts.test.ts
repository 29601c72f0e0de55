import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { buildApp, CookieJar, countingKeyv } from './helpers/app.ts';
import { freshNamespace, lookupsAndCommits, NEEDS_IN_MEMORY_EMULATOR, startDatastore } from '@gaes/test-support/datastore';

const { datastore, emulator } = await startDatastore(t);

type Emulator = NonNullable<typeof emulator>;

/** A request runner for one browser: runs a request (applying its cookies), returns the Lookups and Commits it caused. */
function opsOf(t: Test, app: FastifyInstance, em: Emulator) {
  const jar = new CookieJar();
  return async (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) => {
    em.resetCounts();
    const res = await app.inject({ method, url, headers: { cookie: jar.header() }, ...(payload === undefined ? {} : { payload }) });
    t.equal(res.statusCode, 200, `${method} ${url}`);
    jar.apply(res);
    return lookupsAndCommits(em);
  };
}

t.test('Datastore operations per request: exact Lookup and Commit counts for each kind of request', { skip: emulator === undefined && NEEDS_IN_MEMORY_EMULATOR }, async (t) => {
  const em = emulator!;
  const { keyv, map } = countingKeyv();
  const app = await buildApp({ datastore, datastoreNamespace: freshNamespace(), cache: keyv });
  const ops = opsOf(t, app, em);

  t.same(await ops('POST', '/grow/20000'), { Lookup: 0, Commit: 1, other: 0 }, 'new large session: one upsert, no read');
  t.same(await ops('GET', '/get/blob'), { Lookup: 0, Commit: 0, other: 0 }, 'read, cache hit');
  t.same(await ops('GET', '/state'), { Lookup: 0, Commit: 0, other: 0 }, 'unchanged session');
  t.same(await ops('GET', '/untouched'), { Lookup: 0, Commit: 0, other: 0 }, 'route that never touches the session');
  map.clear();
  t.same(await ops('GET', '/get/blob'), { Lookup: 1, Commit: 0, other: 0 }, 'read, cache miss: one Lookup (and a cache refill)');
  t.same(await ops('GET', '/get/blob'), { Lookup: 0, Commit: 0, other: 0 }, 'refilled: cache hit again');
  t.same(await ops('POST', '/set', { a: 1 }), { Lookup: 0, Commit: 1, other: 0 }, 'changed session: one write, no read');
  t.same(await ops('POST', '/set', { a: 2, b: 3, c: 4 }), { Lookup: 0, Commit: 1, other: 0 }, 'several changes: still one write');
  t.same(await ops('POST', '/set-quick', { q: 1 }), { Lookup: 0, Commit: 0, other: 0 }, 'quick change: cache only');
  t.same(await ops('POST', '/regenerate'), { Lookup: 0, Commit: 2, other: 0 }, 'regenerateId: upsert the new id, the old one becomes read-only (grace period)');
  map.clear();
  t.same(await ops('POST', '/set', { d: 5 }), { Lookup: 1, Commit: 1, other: 0 }, 'changed after a cache miss: one read, one write');
  t.same(await ops('POST', '/grow/10'), { Lookup: 0, Commit: 1, other: 0 }, 'moved into cookies: one delete');
  t.same(await ops('POST', '/set', { e: 6 }), { Lookup: 0, Commit: 0, other: 0 }, 'cookie session: no Datastore at all');
  t.same(await ops('POST', '/grow/20000'), { Lookup: 0, Commit: 1, other: 0 }, 'back to server-side');
  t.same(await ops('POST', '/terminate'), { Lookup: 0, Commit: 2, other: 0 }, 'terminate inside the grace period of the regenerateId: both ids deleted');
  t.same(await ops('POST', '/grow/20000'), { Lookup: 0, Commit: 1, other: 0 }, 'a new session');
  t.same(await ops('POST', '/terminate'), { Lookup: 0, Commit: 1, other: 0 }, 'terminate: one delete');
});

t.test('default in-memory cache with Datastore: the per-process cache is not used, every read is one Lookup', { skip: emulator === undefined && NEEDS_IN_MEMORY_EMULATOR }, async (t) => {
  const em = emulator!;
  const app = await buildApp({ datastore, datastoreNamespace: freshNamespace() });
  const ops = opsOf(t, app, em);
  t.same(await ops('POST', '/grow/20000'), { Lookup: 0, Commit: 1, other: 0 }, 'new large session: one upsert');
  t.same(await ops('GET', '/get/blob'), { Lookup: 1, Commit: 0, other: 0 }, 'read: one Lookup (another instance may have written it)');
  t.same(await ops('GET', '/untouched'), { Lookup: 1, Commit: 0, other: 0 }, 'any route: server-side data is loaded before the handler');
  t.same(await ops('GET', '/lazy'), { Lookup: 0, Commit: 0, other: 0 }, 'a route with config.session false: nothing');
  t.same(await ops('POST', '/set', { a: 1 }), { Lookup: 1, Commit: 1, other: 0 }, 'changed session: one read, one conditional write');
  t.same(await ops('POST', '/set-quick', { q: 1 }), { Lookup: 1, Commit: 1, other: 0 }, 'quick change: durable too (no shared cache to hold it)');
});
