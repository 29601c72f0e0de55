import t from 'tap';
import { DATASTORE_METHODS } from '@gaes/datastore-emulator';
import { codeOf, startHarness } from './fixtures/harness.ts';

const { emulator, datastore } = await startHarness(t);

t.beforeEach(() => {
  emulator.reset();
  emulator.clearFaults();
  emulator.resetCounts();
});

const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

t.test('rpcCounts has a counter for every method and counts each call', async (t) => {
  t.same(Object.keys(emulator.rpcCounts()).sort(), [...DATASTORE_METHODS].sort());
  const key = datastore.key(['Session', 'a']);
  await datastore.save({ key, data: {} });
  await datastore.get(key);
  await datastore.get(key);
  await datastore.runQuery(datastore.createQuery('Session'));
  await datastore.allocateIds(datastore.key(['Session']), 2);
  t.match(emulator.rpcCounts(), { Commit: 1, Lookup: 2, RunQuery: 1, AllocateIds: 1, BeginTransaction: 0 });
  emulator.resetCounts();
  t.equal(Object.values(emulator.rpcCounts()).reduce((a, b) => a + b, 0), 0);
});

t.test('an injected UNAVAILABLE (14) fails a commit and changes nothing', async (t) => {
  emulator.injectFault({ method: 'Commit', code: 14, message: 'try later' });
  const key = datastore.key(['Session', 'f']);
  const error = await failure(datastore.save({ key, data: { v: 1 } }));
  t.equal(codeOf(error), 14);
  t.equal(emulator.entityCount(), 0);
  await datastore.save({ key, data: { v: 1 } });
  t.equal(emulator.entityCount(), 1, 'the fault is used up');
  t.equal(emulator.rpcCounts().Commit, 2, 'the faulted call is counted too');
});

t.test('the client retries lookups through transient faults', async (t) => {
  const key = datastore.key(['Session', 'retry']);
  await datastore.save({ key, data: { v: 1 } });
  emulator.injectFault({ method: 'Lookup', code: 14, times: 2 });
  const [entity] = await datastore.get(key);
  t.equal(entity.v, 1);
  t.equal(emulator.rpcCounts().Lookup, 3, 'two failures then a success');
});

t.test('a fault without a method hits the next call of any method', async (t) => {
  const key = datastore.key(['Session', 'any-method']);
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['AllocateIds', () => datastore.allocateIds(datastore.key(['Session']), 1)],
    ['Commit', () => datastore.save({ key, data: {} })],
    ['Lookup', () => datastore.get(key)],
    ['RunQuery', () => datastore.runQuery(datastore.createQuery('Session'))],
  ];
  // PERMISSION_DENIED (7): a code the client never retries, so the one fault shows.
  for (const [method, call] of calls) {
    emulator.injectFault({ code: 7 });
    t.equal(codeOf(await failure(call())), 7, `${method}: the fault hits it`);
    await t.resolves(call(), `${method}: once only`);
  }
});

t.test('clearFaults drops pending faults', async (t) => {
  emulator.injectFault({ method: 'Commit', code: 14, times: 5 });
  emulator.clearFaults();
  await datastore.save({ key: datastore.key(['Session', 'c']), data: {} });
  t.equal(emulator.entityCount(), 1);
});

t.test('setLatency delays matching calls only', async (t) => {
  const key = datastore.key(['Session', 'slow']);
  emulator.setLatency(150, 'Commit');
  let started = performance.now();
  await datastore.save({ key, data: {} });
  t.ok(performance.now() - started >= 140, 'commit was delayed');
  started = performance.now();
  await datastore.get(key);
  t.ok(performance.now() - started < 140, 'lookup was not');
  emulator.setLatency(0, 'Commit');
  started = performance.now();
  await datastore.save({ key, data: {} });
  t.ok(performance.now() - started < 140, 'zero removes the delay');
});

t.test('bad fault specs are refused', async (t) => {
  t.throws(() => emulator.injectFault({ code: 0 }), RangeError);
  t.throws(() => emulator.injectFault({ code: 14, times: 0 }), RangeError);
  t.throws(() => emulator.injectFault({ code: 14, method: 'Nope' as 'Commit' }), RangeError);
  t.throws(() => emulator.setLatency(-1), RangeError);
});
