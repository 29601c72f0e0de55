/**
 * Parallel requests on one server-side session merge per key instead of overwriting each other: every
 * request's keys survive; for the same key the last writer wins, never a torn state. Over a real socket,
 * against the Datastore emulator behind a shared cache, and against the cache alone (quick writes).
 */
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { buildApp, countingKeyv, CountingStore } from './helpers/app.ts';
import { freshNamespace, startDatastore } from '@gaes/test-support/datastore';

const { datastore } = await startDatastore(t);
const PARALLEL = 40;

function routes(app: FastifyInstance): void {
  app.post('/put/:key', async (req) => {
    const { key } = req.params as { key: string };
    const quick = (req.query as { quick?: string }).quick === '1';
    const value = { writer: key, padding: 'p'.repeat(200), also: key };
    if (quick) req.session.setQuick(key, value);
    else req.session.set(key, value);
    return { id: req.session.id };
  });
  app.post('/same/:writer', async (req) => {
    const { writer } = req.params as { writer: string };
    req.session.set('shared', { writer, a: writer, b: writer });
    return {};
  });
  app.get('/all', async (req) => Object.fromEntries(req.session.entries()));
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
}

function cookieOf(res: Response): string {
  return res.headers.getSetCookie().map((h) => h.split(';')[0]).join('; ');
}

const setups = {
  'Datastore + shared cache': () => ({ datastore, datastoreNamespace: freshNamespace(), cache: countingKeyv().keyv }),
  'Datastore alone (per-process cache unused)': () => ({ datastore, datastoreNamespace: freshNamespace() }),
  'versioned in-memory durable store + shared cache': () => ({ durableStore: new CountingStore(), cache: countingKeyv().keyv }),
};

for (const [name, options] of Object.entries(setups)) {
  t.test(`${name}: ${PARALLEL} parallel writers of distinct keys all survive`, async (t) => {
    const app = await buildApp({ cookieOnlyThreshold: 0, ...options() }, {}, routes);
    t.teardown(() => app.close());
    const base = await listen(app);
    const cookie = cookieOf(await fetch(`${base}/put/k0`, { method: 'POST' }));
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) => fetch(`${base}/put/k${i + 1}`, { method: 'POST', headers: { cookie } })),
    );
    t.same(results.map((r) => r.status), Array(PARALLEL).fill(200), 'every request answered 200');
    const all = (await (await fetch(`${base}/all`, { headers: { cookie } })).json()) as Record<string, { writer: string }>;
    const keys = Object.keys(all).sort();
    t.equal(keys.length, PARALLEL + 1, `${keys.length} of ${PARALLEL + 1} keys kept`);
    for (const key of keys) if (all[key]?.writer !== key) t.fail(`key ${key} holds ${JSON.stringify(all[key])}`);
  });

  t.test(`${name}: ${PARALLEL} parallel writers of one key leave one writer's whole value`, async (t) => {
    const app = await buildApp({ cookieOnlyThreshold: 0, ...options() }, {}, routes);
    t.teardown(() => app.close());
    const base = await listen(app);
    const cookie = cookieOf(await fetch(`${base}/put/k0`, { method: 'POST' }));
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) => fetch(`${base}/same/w${i}`, { method: 'POST', headers: { cookie } })),
    );
    t.ok(results.every((r) => r.status === 200), 'all 200');
    const all = (await (await fetch(`${base}/all`, { headers: { cookie } })).json()) as Record<string, { writer: string; a: string; b: string }>;
    const shared = all['shared'];
    t.ok(shared !== undefined && /^w\d+$/.test(shared.writer), `one writer's value: ${shared?.writer}`);
    t.ok(shared?.a === shared?.writer && shared?.b === shared?.writer, 'never a torn value');
    t.ok(all['k0'] !== undefined, 'the other key survived');
  });
}

t.test(`quick writes: ${PARALLEL} parallel setQuick calls in one process all survive in the cache`, async (t) => {
  const durableStore = new CountingStore();
  const app = await buildApp({ cookieOnlyThreshold: 0, durableStore, cache: countingKeyv().keyv }, {}, routes);
  t.teardown(() => app.close());
  const base = await listen(app);
  const cookie = cookieOf(await fetch(`${base}/put/k0`, { method: 'POST' }));
  const writes = durableStore.counts.set;
  const results = await Promise.all(
    Array.from({ length: PARALLEL }, (_, i) => fetch(`${base}/put/q${i}?quick=1`, { method: 'POST', headers: { cookie } })),
  );
  t.ok(results.every((r) => r.status === 200), 'all 200');
  t.equal(durableStore.counts.set, writes, 'no durable write');
  const all = (await (await fetch(`${base}/all`, { headers: { cookie } })).json()) as Record<string, unknown>;
  t.equal(Object.keys(all).length, PARALLEL + 1, 'every quick key kept');
});
