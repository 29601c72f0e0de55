/**
 * Concurrency over a real listening server (fetch, keep-alive): 100 parallel requests mutating one
 * session. No crash, no torn state — the final state is exactly one of the states written — and never a
 * second server-side entity for the session.
 */
import type { AddressInfo } from 'node:net';
import { decodeSessionData, openRecord } from '@gaes/core';
import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { ringA } from './attack-support.ts';
import { buildApp, countingKeyv, CountingStore } from './helpers/app.ts';

const PARALLEL = 100;

/** The whole state writer `i` stores: every field derives from `i`, so a mix of two writers shows. */
function stateOf(i: number, blobBytes: number): { writer: number; items: string[]; blob: string } {
  return { writer: i, items: Array.from({ length: 20 }, (_, k) => `${i}:${k}`), blob: String(i % 10).repeat(blobBytes) };
}

function routes(app: FastifyInstance): void {
  app.post('/write/:i', async (req) => {
    const i = Number((req.params as { i: string }).i);
    const bytes = Number((req.query as { bytes?: string }).bytes ?? 0);
    const s = stateOf(i, bytes);
    req.session.set('writer', s.writer);
    req.session.set('items', s.items);
    req.session.set('blob', s.blob);
    return { id: req.session.id };
  });
  app.get('/read', async (req) => ({
    id: req.session.id ?? null,
    writer: req.session.get('writer') ?? null,
    items: req.session.get('items') ?? null,
    blob: req.session.get('blob') ?? null,
    tier: req.session.tier ?? null,
  }));
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** The `name=value` pairs of a response's Set-Cookie headers, as a Cookie header (deleted ones dropped). */
function cookieHeader(res: Response): string {
  return res.headers
    .getSetCookie()
    .filter((h) => !/Max-Age=0/.test(h))
    .map((h) => h.slice(0, h.indexOf(';')))
    .join('; ');
}

function assertWhole(t: Test, state: Record<string, unknown>, bytes: number, label: string): void {
  const w = state.writer as number;
  t.ok(Number.isInteger(w) && w >= 0 && w < PARALLEL, `${label}: writer ${w} is one of the writers`);
  t.strictSame({ writer: state.writer, items: state.items, blob: state.blob }, stateOf(w, bytes), `${label}: writer ${w}'s state, whole`);
}

t.test('server-side session (cookieOnlyThreshold 0, cache + durable store): one entity, an untorn final state', async (t) => {
  const { keyv, map } = countingKeyv();
  const durableStore = new CountingStore();
  const app = await buildApp({ cookieOnlyThreshold: 0, cache: keyv, durableStore }, {}, routes);
  t.teardown(() => app.close());
  const base = await listen(app);
  const first = await fetch(`${base}/write/0?bytes=2000`, { method: 'POST' });
  const cookie = cookieHeader(first);
  const { id } = (await first.json()) as { id: string };
  const results = await Promise.all(
    Array.from({ length: PARALLEL }, (_, i) => fetch(`${base}/write/${i}?bytes=2000`, { method: 'POST', headers: { cookie } })),
  );
  t.same(
    results.map((r) => r.status),
    Array(PARALLEL).fill(200),
    'every request answered 200',
  );
  for (const r of results) t.equal(((await r.json()) as { id: string }).id, id, 'same session id');
  const final = (await (await fetch(`${base}/read`, { headers: { cookie } })).json()) as Record<string, unknown>;
  t.equal(final.id, id);
  assertWhole(t, final, 2000, 'read back');
  t.same([...durableStore.data.keys()], [id], 'exactly one durable entity, under the session id');
  t.same([...map.keys()].filter((k) => k.startsWith('gaes:')), [`gaes:${id}`], 'exactly one cache entry');
  const opened = openRecord(ringA, id, durableStore.data.get(id) as Uint8Array);
  t.ok(opened.ok, 'the entity opens');
  if (opened.ok) assertWhole(t, decodeSessionData(opened.record.data), 2000, 'durable entity');
});

t.test('cookie-tier session: every response carries a whole state of its own writer; no store is written', async (t) => {
  const { keyv, counts } = countingKeyv();
  const durableStore = new CountingStore();
  const app = await buildApp({ cache: keyv, durableStore }, {}, routes);
  t.teardown(() => app.close());
  const base = await listen(app);
  const cookie = cookieHeader(await fetch(`${base}/write/0?bytes=100`, { method: 'POST' }));
  const results = await Promise.all(
    Array.from({ length: PARALLEL }, (_, i) => fetch(`${base}/write/${i}?bytes=100`, { method: 'POST', headers: { cookie } })),
  );
  t.ok(results.every((r) => r.status === 200), 'all 200');
  let whole = 0;
  for (const [i, r] of results.entries()) {
    const state = (await (await fetch(`${base}/read`, { headers: { cookie: cookieHeader(r) } })).json()) as Record<string, unknown>;
    if (state.writer === i && JSON.stringify(state.items) === JSON.stringify(stateOf(i, 100).items) && state.blob === stateOf(i, 100).blob) whole++;
  }
  t.equal(whole, PARALLEL, "each response's cookie holds exactly its writer's state");
  t.equal(counts.set + durableStore.counts.set, 0, 'no server-side writes');
});

t.test('writes that move the session between tiers concurrently: untorn states, at most one entity', async (t) => {
  const { keyv, map } = countingKeyv();
  const durableStore = new CountingStore();
  const app = await buildApp({ cookieOnlyThreshold: 4096, cache: keyv, durableStore }, {}, routes);
  t.teardown(() => app.close());
  const base = await listen(app);
  const first = await fetch(`${base}/write/0?bytes=10`, { method: 'POST' });
  const cookie = cookieHeader(first);
  const { id } = (await first.json()) as { id: string };
  const sizes = Array.from({ length: PARALLEL }, (_, i) => (i % 2 === 0 ? 10 : 8000));
  const results = await Promise.all(
    sizes.map((bytes, i) => fetch(`${base}/write/${i}?bytes=${bytes}`, { method: 'POST', headers: { cookie } })),
  );
  t.ok(results.every((r) => r.status === 200), 'all 200');
  let whole = 0;
  for (const [i, r] of results.entries()) {
    const got = cookieHeader(r);
    const state = (await (await fetch(`${base}/read`, { headers: { cookie: got === '' ? cookie : got } })).json()) as Record<string, unknown>;
    const bytes = sizes[i] as number;
    // A response that moved nothing (a big write over a session the store already held) sends no cookie;
    // its state is then whatever the store holds last: check that it is whole.
    const w = state.writer as number;
    if (state.id === id && state.blob === stateOf(w, sizes[w] as number).blob && JSON.stringify(state.items) === JSON.stringify(stateOf(w, 0).items)) whole++;
    if (got !== '' && bytes === 10) t.equal(state.writer, i, `small writer ${i}: its cookie carries its own state`);
  }
  t.equal(whole, PARALLEL, 'every state read back is whole');
  t.ok(durableStore.data.size <= 1 && [...durableStore.data.keys()].every((k) => k === id), 'at most one durable entity, the session id');
  t.ok([...map.keys()].filter((k) => k.startsWith('gaes:')).every((k) => k === `gaes:${id}`), 'at most one cache entry');
});

t.test('100 parallel logins: 100 sessions, each with its own data, no crosstalk', async (t) => {
  const { keyv } = countingKeyv();
  const durableStore = new CountingStore();
  const app = await buildApp({ cookieOnlyThreshold: 0, cache: keyv, durableStore }, {}, routes);
  t.teardown(() => app.close());
  const base = await listen(app);
  const results = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => fetch(`${base}/write/${i}?bytes=50`, { method: 'POST' })));
  const ids = new Set<string>();
  let own = 0;
  for (const [i, r] of results.entries()) {
    ids.add(((await r.json()) as { id: string }).id);
    const state = (await (await fetch(`${base}/read`, { headers: { cookie: cookieHeader(r) } })).json()) as Record<string, unknown>;
    if (state.writer === i && state.blob === stateOf(i, 50).blob) own++;
  }
  t.equal(ids.size, PARALLEL, 'distinct ids');
  t.equal(own, PARALLEL, 'each client reads its own data');
  t.equal(durableStore.data.size, PARALLEL, 'one entity per session');
});
