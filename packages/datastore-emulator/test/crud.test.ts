import t from 'tap';
import { codeOf, startHarness } from './fixtures/harness.ts';

const { emulator, datastore } = await startHarness(t);

t.beforeEach(() => emulator.reset());

t.test('save then get returns the entity, a missing key returns undefined', async (t) => {
  const key = datastore.key(['Session', 'abc']);
  await datastore.save({ key, data: { n: 1, s: 'text', ok: true, when: new Date(1_700_000_000_123), list: [1, 'two'] } });
  const [entity] = await datastore.get(key);
  t.match(entity, { n: 1, s: 'text', ok: true, list: [1, 'two'] });
  t.equal((entity.when as Date).getTime(), 1_700_000_000_123);
  t.equal(entity[datastore.KEY].name, 'abc');
  const [missing] = await datastore.get(datastore.key(['Session', 'nope']));
  t.equal(missing, undefined);
});

t.test('get of many keys returns found ones only', async (t) => {
  const keys = ['a', 'b', 'c'].map((name) => datastore.key(['Item', name]));
  await datastore.save(keys.slice(0, 2).map((key, i) => ({ key, data: { i } })));
  const [found] = await datastore.get(keys);
  t.same(found.map((e: { i: number }) => e.i).sort(), [0, 1]);
});

t.test('insert fails with ALREADY_EXISTS (6) on an existing key', async (t) => {
  const key = datastore.key(['Session', 'dup']);
  await datastore.insert({ key, data: { v: 1 } });
  const error = await datastore.insert({ key, data: { v: 2 } }).then(() => undefined, (e: unknown) => e);
  t.equal(codeOf(error), 6);
  const [entity] = await datastore.get(key);
  t.equal(entity.v, 1);
});

t.test('update fails with NOT_FOUND (5) on a missing key, works on an existing one', async (t) => {
  const key = datastore.key(['Session', 'upd']);
  const error = await datastore.update({ key, data: { v: 1 } }).then(() => undefined, (e: unknown) => e);
  t.equal(codeOf(error), 5);
  t.equal(emulator.entityCount(), 0);
  await datastore.upsert({ key, data: { v: 1, old: 'x' } });
  await datastore.update({ key, data: { v: 2 } });
  const [entity] = await datastore.get(key);
  t.same(Object.keys(entity), ['v'], 'update replaces the whole entity');
  t.equal(entity.v, 2);
});

t.test('upsert creates then replaces', async (t) => {
  const key = datastore.key(['Session', 'ups']);
  await datastore.upsert({ key, data: { v: 1 } });
  await datastore.upsert({ key, data: { v: 2 } });
  const [entity] = await datastore.get(key);
  t.equal(entity.v, 2);
  t.equal(emulator.entityCount({ kind: 'Session' }), 1);
});

t.test('delete removes entities; deleting a missing key is fine', async (t) => {
  const key = datastore.key(['Session', 'del']);
  await datastore.save({ key, data: { v: 1 } });
  await datastore.delete([key, datastore.key(['Session', 'never'])]);
  const [entity] = await datastore.get(key);
  t.equal(entity, undefined);
  t.equal(emulator.entityCount(), 0);
});

t.test('incomplete keys get increasing numeric ids', async (t) => {
  const first = datastore.key(['Auto']);
  const second = datastore.key(['Auto']);
  await datastore.save([
    { key: first, data: { n: 1 } },
    { key: second, data: { n: 2 } },
  ]);
  t.ok(first.id !== undefined && second.id !== undefined);
  t.ok(BigInt(second.id ?? 0) > BigInt(first.id ?? 0));
  const [entity] = await datastore.get(datastore.key(['Auto', datastore.int(String(second.id))]));
  t.equal(entity.n, 2);
});

t.test('allocateIds hands out increasing ids that saves then skip', async (t) => {
  const [keys] = await datastore.allocateIds(datastore.key(['Alloc']), 3);
  const ids = keys.map((k) => BigInt(k.id ?? 0));
  t.equal(ids.length, 3);
  t.ok((ids[0] ?? 0n) < (ids[1] ?? 0n) && (ids[1] ?? 0n) < (ids[2] ?? 0n));
  const next = datastore.key(['Alloc']);
  await datastore.save({ key: next, data: {} });
  t.ok(BigInt(next.id ?? 0) > (ids[2] ?? 0n));
});

t.test('namespaces and ancestors are kept apart', async (t) => {
  const inA = datastore.key({ namespace: 'a', path: ['Session', 'x'] });
  const inB = datastore.key({ namespace: 'b', path: ['Session', 'x'] });
  const child = datastore.key(['Parent', 'p', 'Session', 'x']);
  await datastore.save([
    { key: inA, data: { ns: 'a' } },
    { key: inB, data: { ns: 'b' } },
    { key: child, data: { ns: '' } },
  ]);
  const [[a], [b], [c]] = await Promise.all([datastore.get(inA), datastore.get(inB), datastore.get(child)]);
  t.same([a.ns, b.ns, c.ns], ['a', 'b', '']);
  t.equal(emulator.entityCount({ namespace: 'a' }), 1);
  t.equal(emulator.entityCount({ namespace: '' }), 1);
  t.equal(emulator.entityCount({ kind: 'Session' }), 3);
  const [none] = await datastore.get(datastore.key(['Session', 'x']));
  t.equal(none, undefined);
});

t.test('reset drops data but keeps counts', async (t) => {
  await datastore.save({ key: datastore.key(['R', 'r']), data: {} });
  const before = emulator.rpcCounts().Commit;
  emulator.reset();
  t.equal(emulator.entityCount(), 0);
  t.equal(emulator.rpcCounts().Commit, before);
});

t.test('the client also finds the emulator through DATASTORE_EMULATOR_HOST', async (t) => {
  const { Datastore } = await import('@google-cloud/datastore');
  const saved = process.env['DATASTORE_EMULATOR_HOST'];
  process.env['DATASTORE_EMULATOR_HOST'] = emulator.host;
  let viaEnv: InstanceType<typeof Datastore>;
  try {
    viaEnv = new Datastore({ projectId: 'gaes-test' });
  } finally {
    if (saved === undefined) delete process.env['DATASTORE_EMULATOR_HOST'];
    else process.env['DATASTORE_EMULATOR_HOST'] = saved;
  }
  const key = viaEnv.key(['Session', 'env']);
  await viaEnv.save({ key, data: { v: 1 } });
  const [entity] = await datastore.get(datastore.key(['Session', 'env']));
  t.equal(entity.v, 1);
});
