import { createSessionId, StoreRejectedError, StoreUnavailableError } from '@gaes/core';
import t from 'tap';
import { DatastoreSessionStore, GrpcCode, type RetryEvent } from '../src/index.ts';
import { backoffMs, callOptions, resolveRetry } from '../src/retry.ts';
import { freshNamespace, NEEDS_IN_MEMORY_EMULATOR, rejection, startDatastore } from '@gaes/test-support/datastore';

const { datastore, emulator } = await startDatastore(t);
const HOUR = 3_600_000;

t.test('defaults: 3 retries, 50 ms base, 1 s cap, 1.5 s an attempt, 2.5 s in all, the usual transient codes', async (t) => {
  const p = resolveRetry();
  t.match(p, { retries: 3, baseDelayMs: 50, maxDelayMs: 1000, attemptTimeoutMs: 1500, totalTimeoutMs: 2500 });
  t.same([...p.retryCodes].sort((a, b) => a - b), [4, 8, 10, 13, 14]);
  t.same(callOptions(p), { retry: null, timeout: 1500 }, 'the client library retries nothing itself');
  t.same(callOptions(p, 700), { retry: null, timeout: 700 }, 'an attempt gets what is left of the total');
});

t.test('a Datastore that answers too slowly fails the call within its total time, not after every attempt', { skip: emulator === undefined && NEEDS_IN_MEMORY_EMULATOR }, async (t) => {
  const em = emulator!;
  t.teardown(() => em.clearFaults());
  em.setLatency(5000, 'Lookup');
  const events: RetryEvent[] = [];
  const store = new DatastoreSessionStore({
    datastore,
    namespace: freshNamespace(),
    retry: { attemptTimeoutMs: 150, totalTimeoutMs: 400, baseDelayMs: 10, maxDelayMs: 10, onRetry: (e) => events.push(e) },
  });
  const started = performance.now();
  const err = await rejection(store.get(createSessionId(Date.now() + HOUR, false)));
  const elapsedMs = performance.now() - started;
  t.type(err, StoreUnavailableError);
  t.ok(events.length >= 1 && events.length <= 3, `${events.length} retries fitted in the 400 ms`);
  // A liveness bound, not a benchmark: without the total bound this call would wait for 4 attempts of 150 ms
  // each (and without attempt deadlines, 4 × 5 s).
  t.ok(elapsedMs < 1500, `answered in ${Math.round(elapsedMs)} ms (total bound 400 ms)`);
});

t.test('full jitter over an exponential cap', async (t) => {
  const top = resolveRetry({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 });
  t.same([1, 2, 3, 4, 5, 6].map((n) => backoffMs(top, n)), [99, 199, 399, 799, 999, 999]);
  const bottom = resolveRetry({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 });
  t.same([1, 2, 3].map((n) => backoffMs(bottom, n)), [0, 0, 0]);
  const half = resolveRetry({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 });
  t.same([1, 2, 3].map((n) => backoffMs(half, n)), [50, 100, 200]);
});

t.test('resolveRetry does not mutate its input', async (t) => {
  const input = Object.freeze({ retries: 2, retryCodes: Object.freeze([14]) });
  const p = resolveRetry(input);
  t.equal(p.retries, 2);
  t.same([...p.retryCodes], [14]);
});

const withEmulator = { skip: emulator === undefined && NEEDS_IN_MEMORY_EMULATOR };

function storeWith(retry: Record<string, unknown>, events: RetryEvent[] = [], sleeps: number[] = []) {
  return new DatastoreSessionStore({
    datastore,
    namespace: freshNamespace(),
    retry: {
      random: () => 0.5,
      sleep: async (ms: number) => {
        sleeps.push(ms);
      },
      onRetry: (e: RetryEvent) => events.push(e),
      ...retry,
    },
  });
}

t.test('transient failures are retried with backoff, then succeed', withEmulator, async (t) => {
  const em = emulator!;
  em.resetCounts();
  const events: RetryEvent[] = [];
  const sleeps: number[] = [];
  const s = storeWith({}, events, sleeps);
  const id = createSessionId(Date.now() + HOUR, false);
  em.injectFault({ method: 'Commit', code: 14, times: 2 });
  await s.set(id, new Uint8Array(10), Date.now() + HOUR);
  t.equal(em.rpcCounts().Commit, 3, 'two failures, then a success');
  t.same(sleeps, [25, 50], 'full jitter (random 0.5) over 50 ms, 100 ms');
  t.match(events, [
    { operation: 'upsert', attempt: 1, delayMs: 25, error: { code: 14 } },
    { operation: 'upsert', attempt: 2, delayMs: 50, error: { code: 14 } },
  ]);
  t.ok(await s.get(id));
});

for (const code of [GrpcCode.DEADLINE_EXCEEDED, GrpcCode.ABORTED, GrpcCode.INTERNAL, GrpcCode.RESOURCE_EXHAUSTED]) {
  t.test(`code ${code} is transient`, withEmulator, async (t) => {
    const em = emulator!;
    em.resetCounts();
    const s = storeWith({});
    em.injectFault({ method: 'Lookup', code });
    t.equal(await s.get(createSessionId(Date.now() + HOUR, false)), undefined);
    t.equal(em.rpcCounts().Lookup, 2);
  });
}

t.test('attempts are bounded: 1 + retries, and the client adds none (even for Lookup)', withEmulator, async (t) => {
  const em = emulator!;
  for (const [method, call] of [
    ['Lookup', (s: DatastoreSessionStore, id: string) => s.get(id)],
    ['Commit', (s: DatastoreSessionStore, id: string) => s.set(id, new Uint8Array(1), Date.now() + HOUR)],
  ] as const) {
    em.resetCounts();
    em.clearFaults();
    em.injectFault({ method, code: 14, times: 50 });
    const err = await rejection(call(storeWith({ retries: 3 }), createSessionId(Date.now() + HOUR, false)));
    t.type(err, StoreUnavailableError, method);
    t.match(err, { code: 'ERR_GAES_STORE_UNAVAILABLE', statusCode: 503, cause: { code: 14 } });
    t.match((err as Error).message, /4 attempts/);
    t.equal(em.rpcCounts()[method], 4, `${method}: exactly 4 attempts`);
  }
  em.clearFaults();
});

t.test('retries: 0 makes exactly one attempt', withEmulator, async (t) => {
  const em = emulator!;
  em.resetCounts();
  em.injectFault({ method: 'Commit', code: 14 });
  const err = await rejection(storeWith({ retries: 0 }).delete(createSessionId(Date.now() + HOUR, false)));
  t.match(err, { code: 'ERR_GAES_STORE_UNAVAILABLE' });
  t.equal(em.rpcCounts().Commit, 1);
});

t.test('permanent errors are not retried', withEmulator, async (t) => {
  const em = emulator!;
  for (const code of [GrpcCode.PERMISSION_DENIED, GrpcCode.UNAUTHENTICATED, GrpcCode.FAILED_PRECONDITION, GrpcCode.NOT_FOUND]) {
    em.resetCounts();
    em.injectFault({ method: 'Lookup', code });
    const err = await rejection(storeWith({}).get(createSessionId(Date.now() + HOUR, false)));
    t.type(err, StoreRejectedError, `code ${code}`);
    t.match(err, { code: 'ERR_GAES_STORE_REJECTED', cause: { code } });
    t.equal(em.rpcCounts().Lookup, 1);
  }
});

t.test('unclassified failures (UNKNOWN, CANCELLED) are unavailable but not retried', withEmulator, async (t) => {
  const em = emulator!;
  for (const code of [GrpcCode.UNKNOWN, GrpcCode.CANCELLED]) {
    em.resetCounts();
    em.injectFault({ method: 'Commit', code });
    const err = await rejection(storeWith({}).set(createSessionId(Date.now() + HOUR, false), new Uint8Array(1), Date.now() + HOUR));
    t.match(err, { code: 'ERR_GAES_STORE_UNAVAILABLE', statusCode: 503 }, `code ${code}`);
    t.equal(em.rpcCounts().Commit, 1);
  }
});

t.test('retryCodes replaces the transient set', withEmulator, async (t) => {
  const em = emulator!;
  em.resetCounts();
  em.injectFault({ method: 'Lookup', code: 14 });
  const err = await rejection(storeWith({ retryCodes: [10] }).get(createSessionId(Date.now() + HOUR, false)));
  t.match(err, { code: 'ERR_GAES_STORE_UNAVAILABLE' });
  t.equal(em.rpcCounts().Lookup, 1, 'UNAVAILABLE is no longer retried');
});

t.test('a slow attempt hits its deadline (DEADLINE_EXCEEDED) and is retried', withEmulator, async (t) => {
  const em = emulator!;
  em.resetCounts();
  em.setLatency(2000, 'Lookup');
  t.teardown(() => em.clearFaults());
  const err = await rejection(storeWith({ retries: 1, attemptTimeoutMs: 50 }).get(createSessionId(Date.now() + HOUR, false)));
  t.match(err, { code: 'ERR_GAES_STORE_UNAVAILABLE', cause: { code: GrpcCode.DEADLINE_EXCEEDED } });
  t.equal(em.rpcCounts().Lookup, 2);
});
