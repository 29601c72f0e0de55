import { createSessionId } from '@gaes/core';
import KeyvMemcache from '@keyv/memcache';
import { Keyv } from 'keyv';
import t, { type Test } from 'tap';
import { KeyvSessionStore, MEMCACHED_MAX_TTL_MS } from '../src/keyv-store.ts';
import { fakeCache, type LateOutcome } from './helpers/fake-cache.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const newId = (): string => createSessionId(Date.now() + DAY_MS, false);
const later = (): number => Date.now() + DAY_MS;

function logger(): { warn(obj: object, msg: string): void; lines: Array<{ obj: object; msg: string }> } {
  const lines: Array<{ obj: object; msg: string }> = [];
  return { lines, warn: (obj, msg) => lines.push({ obj, msg }) };
}

t.test('an adapter that only emits `error` (like @keyv/redis) fails the call, with the cause', async (t) => {
  const { keyv, adapter } = fakeCache();
  const store = new KeyvSessionStore(keyv);
  adapter.mode = 'swallow';
  for (const [op, call] of [
    ['get', () => store.get(newId())],
    ['set', () => store.set(newId(), Uint8Array.of(1), later())],
    ['delete', () => store.delete(newId())],
  ] as const) {
    const err = await call().then(
      () => undefined,
      (e: unknown) => e as { code?: string; statusCode?: number; cause?: Error; message: string },
    );
    t.equal(err?.code, 'ERR_GAES_STORE_UNAVAILABLE', `${op}: StoreUnavailableError`);
    t.equal(err?.statusCode, 503);
    t.match(err?.cause?.message, /Socket closed unexpectedly/, `${op}: the adapter's error is the cause`);
    t.notMatch(err?.message, /Socket|fake/, `${op}: the message itself stays vague`);
  }
});

t.test('an adapter that rejects (like @keyv/memcache) fails the call', async (t) => {
  const { keyv, adapter } = fakeCache();
  const store = new KeyvSessionStore(keyv);
  adapter.mode = 'down';
  await t.rejects(store.get(newId()), { code: 'ERR_GAES_STORE_UNAVAILABLE' });
  await t.rejects(store.set(newId(), Uint8Array.of(1), later()), { code: 'ERR_GAES_STORE_UNAVAILABLE' });
  await t.rejects(store.delete(newId()), { code: 'ERR_GAES_STORE_UNAVAILABLE' });
});

t.test('an error is charged to the call it belongs to, not to concurrent ones', async (t) => {
  const { keyv, adapter } = fakeCache();
  const store = new KeyvSessionStore(keyv);
  const ids = Array.from({ length: 20 }, () => newId());
  await Promise.all(ids.map((id) => store.set(id, Uint8Array.of(5), later())));
  const failing = new Set(ids.filter((_, i) => i % 3 === 0));
  for (const id of failing) adapter.failingKeys.add(`gaes:${id}`);
  const results = await Promise.allSettled(ids.map((id) => store.get(id)));
  results.forEach((r, i) => {
    const id = ids[i] as string;
    if (failing.has(id)) t.equal(r.status, 'rejected', `call ${i} failed`);
    else t.same(r.status === 'fulfilled' ? [...(r.value ?? [])] : r.reason, [5], `call ${i} succeeded`);
  });
});

const LATE_OUTCOMES: ReadonlyArray<[string, LateOutcome]> = [
  ['a late success', {}],
  ['a late error event', { fail: true, style: 'event' }],
  ['a late rejection', { fail: true, style: 'reject' }],
];

/** Collects unhandled rejections and uncaught exceptions until the test ends (either would crash a server). */
function crashes(t: Test): unknown[] {
  const seen: unknown[] = [];
  const record = (err: unknown): void => void seen.push(err);
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  t.teardown(() => {
    process.off('unhandledRejection', record);
    process.off('uncaughtException', record);
  });
  return seen;
}

for (const [name, late] of LATE_OUTCOMES) {
  t.test(`a slow cache call is bounded by timeoutMs; ${name} after the timeout crashes nothing and is charged to no other call`, async (t) => {
    const seen = crashes(t);
    const { keyv, adapter } = fakeCache();
    const log = logger();
    const store = new KeyvSessionStore(keyv, { timeoutMs: 20, log });
    const live = newId();
    await store.set(live, Uint8Array.of(7), later());
    adapter.mode = 'hang';
    const err = await store.get(newId()).catch((e: unknown) => e as { code: string; message: string });
    t.equal(err?.code, 'ERR_GAES_STORE_UNAVAILABLE');
    t.match(err?.message, /longer than 20 ms/);
    await t.rejects(store.set(newId(), Uint8Array.of(1), later()), { code: 'ERR_GAES_STORE_UNAVAILABLE' });
    t.equal(adapter.hungCalls, 2, 'both calls are still pending in the adapter');

    adapter.mode = 'up';
    adapter.releaseOnNextCall(late);
    // The late outcomes land while this call runs.
    const value = await store.get(live);
    t.same([...(value ?? [])], [7], 'the call running when the late outcomes land succeeds');
    t.equal(adapter.hungCalls, 0, 'the hung calls have ended');
    t.equal(adapter.lateFailures, late.fail === true ? 2 : 0, `${name} happened`);
    await t.resolves(store.set(live, Uint8Array.of(8), later()), 'later calls are unaffected');
    t.same([...((await store.get(live)) ?? [])], [8]);
    await new Promise((resolve) => setImmediate(resolve));
    t.same(seen, [], 'no unhandled rejection, no uncaught exception');
    if (late.fail === true) {
      t.equal(log.lines.length, 1, 'the late errors are heard, as errors outside any call (one line a burst)');
      t.match(log.lines[0], { msg: /session cache connection error/, obj: { err: { message: /late failure/ } } });
    } else {
      t.equal(log.lines.length, 0, 'a late success logs nothing');
    }
  });
}

t.test('a Keyv call that rejects after its timeout leaves no unhandled rejection', async (t) => {
  const seen = crashes(t);
  const keyv = new Keyv();
  const store = new KeyvSessionStore(keyv, { timeoutMs: 20 });
  const rejectLate: Array<(err: Error) => void> = [];
  // Keyv itself turns adapter failures into events; a Keyv (or a hook) that rejects is the remaining path.
  Object.assign(keyv, { get: () => new Promise((_resolve, reject) => rejectLate.push(reject)) });
  await t.rejects(store.get(newId()), { code: 'ERR_GAES_STORE_UNAVAILABLE' });
  for (const reject of rejectLate) reject(new Error('late rejection'));
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(rejectLate.length, 1);
  t.same(seen, [], 'no unhandled rejection');
});

t.test('a value the server refuses as too large is a StoreRejectedError that says why', async (t) => {
  const { keyv, adapter } = fakeCache();
  const store = new KeyvSessionStore(keyv);
  adapter.maxValueBytes = 1000;
  await store.set(newId(), new Uint8Array(100), later());
  const err = await store.set(newId(), new Uint8Array(2000), later()).catch((e: unknown) => e as { code: string; message: string });
  t.equal(err?.code, 'ERR_GAES_STORE_REJECTED');
  t.match(err?.message, /2000 sealed bytes are too large for the cache/);
  t.match(err?.message, /Value too large/);
  const setsBefore = adapter.sets.length;
  const again = await store.set(newId(), new Uint8Array(3000), later()).catch((e: unknown) => e as { code: string; message: string });
  t.equal(again?.code, 'ERR_GAES_STORE_REJECTED', 'a larger value is refused without asking the server again');
  t.match(again?.message, /refused 2000 bytes before/);
  t.equal(adapter.sets.length, setsBefore);
  await t.resolves(store.set(newId(), new Uint8Array(500), later()), 'smaller values are still cached');
});

t.test('errors outside any call are heard (never crash) and logged at most once per 10 s', async (t) => {
  const { keyv, adapter } = fakeCache();
  const log = logger();
  new KeyvSessionStore(keyv, { log });
  new KeyvSessionStore(keyv); // a second store on the same Keyv: still one listener
  t.equal(keyv.listenerCount('error'), 1, 'one error listener per Keyv');
  adapter.emit('error', new Error('reconnect failed'));
  adapter.emit('error', new Error('reconnect failed again'));
  keyv.emit('error', new Error('emitted on Keyv itself'));
  t.equal(log.lines.length, 1, 'one line for a burst');
  t.match(log.lines[0], { msg: /session cache connection error/, obj: { err: { message: 'reconnect failed' } } });
});

t.test('an error listener exists from construction, so a bare Keyv error cannot crash the process', async (t) => {
  const keyv = new Keyv();
  t.throws(() => keyv.emit('error', new Error('x')), 'without a listener Keyv throws on error events');
  new KeyvSessionStore(keyv);
  t.doesNotThrow(() => keyv.emit('error', new Error('x')));
});

t.test('TTL: rounded up to whole seconds; expired means delete', async (t) => {
  const { keyv, adapter } = fakeCache();
  const now = 1_800_000_000_000;
  const store = new KeyvSessionStore(keyv, { now: () => now });
  const id = newId();
  const before = Date.now();
  await store.set(id, Uint8Array.of(1), now + 400);
  const expires = adapter.sets.at(-1)?.expires ?? 0;
  t.ok(expires - before >= 1000 && expires - Date.now() <= 1000, '0.4 s left → a 1 s TTL (memcached would read 0 as "never")');
  await store.set(id, Uint8Array.of(1), now);
  t.equal(adapter.data.has(`gaes:${id}`), false, 'no time left → deleted');
  t.equal(adapter.sets.length, 1, 'and not written');
});

t.test('maxTtlMs caps the TTL; @keyv/memcache gets 30 days by default', async (t) => {
  const capped = fakeCache();
  const store = new KeyvSessionStore(capped.keyv, { maxTtlMs: 60_000 });
  await store.set(newId(), Uint8Array.of(1), Date.now() + 90 * DAY_MS);
  t.ok((capped.adapter.sets.at(-1)?.expires ?? Infinity) <= Date.now() + 60_000, 'capped at maxTtlMs');

  const memcache = new KeyvMemcache('127.0.0.1:1', { logger: { log: () => undefined } });
  const ttls: Array<number | undefined> = [];
  // Records what the adapter would send to memcached, without a server.
  Object.assign(memcache, { set: async (_k: string, _v: unknown, ttl?: number) => void ttls.push(ttl) });
  await new KeyvSessionStore(new Keyv(memcache)).set(newId(), Uint8Array.of(1), Date.now() + 90 * DAY_MS);
  t.ok((ttls[0] ?? Infinity) <= MEMCACHED_MAX_TTL_MS, `memcached gets at most 30 days (${String(ttls[0])} ms)`);

  const plain = fakeCache();
  await new KeyvSessionStore(plain.keyv).set(newId(), Uint8Array.of(1), Date.now() + 90 * DAY_MS);
  t.ok((plain.adapter.sets.at(-1)?.expires ?? 0) > Date.now() + 89 * DAY_MS, 'other caches get the full 90 days');
});

t.test('values come back from serializers without binary support', async (t) => {
  const plainJson = new Keyv({ serialization: { stringify: JSON.stringify, parse: JSON.parse } });
  const store = new KeyvSessionStore(plainJson);
  const id = newId();
  await store.set(id, Uint8Array.of(0, 1, 254, 255), later());
  t.same([...((await store.get(id)) ?? [])], [0, 1, 254, 255], 'Buffer#toJSON shape');
  const keyv = new Keyv();
  const id2 = newId();
  await keyv.set(`gaes:${id2}`, Buffer.from([9, 8, 7]).toString('base64'));
  t.same([...((await new KeyvSessionStore(keyv).get(id2)) ?? [])], [9, 8, 7], 'a base64 string');
  await keyv.set(`gaes:${id2}`, { unexpected: true });
  t.equal(await new KeyvSessionStore(keyv).get(id2), undefined, 'anything else is a miss');
});

t.test('a Keyv set that returns false without an error still fails', async (t) => {
  const { keyv } = fakeCache();
  const store = new KeyvSessionStore(keyv);
  Object.assign(keyv, { set: async () => false });
  await t.rejects(store.set(newId(), Uint8Array.of(1), later()), { code: 'ERR_GAES_STORE_UNAVAILABLE' });
});
