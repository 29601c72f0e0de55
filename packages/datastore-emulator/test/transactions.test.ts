import t from 'tap';
import { v1 } from '@google-cloud/datastore';
import { PROJECT_ID, codeOf, startHarness } from './fixtures/harness.ts';

const { emulator, datastore, other } = await startHarness(t);

t.beforeEach(() => emulator.reset());

const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);

t.test('a read-modify-write transaction commits', async (t) => {
  const key = datastore.key(['Counter', 'c']);
  await datastore.save({ key, data: { n: 1 } });
  const tx = datastore.transaction();
  await tx.run();
  const [entity] = await tx.get(key);
  tx.save({ key, data: { n: entity.n + 1 } });
  await tx.commit();
  const [after] = await datastore.get(key);
  t.equal(after.n, 2);
});

t.test('a write to an entity the transaction read makes its commit fail with ABORTED (10)', async (t) => {
  const key = datastore.key(['Counter', 'c']);
  await datastore.save({ key, data: { n: 1 } });
  const tx = datastore.transaction();
  await tx.run();
  const [entity] = await tx.get(key);
  await other.save({ key, data: { n: 100 } });
  tx.save({ key, data: { n: entity.n + 1 } });
  const error = await failure(tx.commit());
  t.equal(codeOf(error), 10);
  const [after] = await datastore.get(key);
  t.equal(after.n, 100, 'the concurrent write stands');
});

t.test('of two transactions writing one key, the second to commit aborts', async (t) => {
  const key = datastore.key(['Counter', 'c']);
  const first = datastore.transaction();
  const second = other.transaction();
  await Promise.all([first.run(), second.run()]);
  await Promise.all([first.get(key), second.get(key)]);
  first.save({ key, data: { by: 'first' } });
  second.save({ key, data: { by: 'second' } });
  await first.commit();
  t.equal(codeOf(await failure(second.commit())), 10);
  const [after] = await datastore.get(key);
  t.equal(after.by, 'first');
});

t.test('a blind write aborts if the key changed after the transaction began', async (t) => {
  const key = datastore.key(['Counter', 'blind']);
  const tx = datastore.transaction();
  await tx.run();
  await other.save({ key, data: { n: 1 } });
  tx.save({ key, data: { n: 2 } });
  t.equal(codeOf(await failure(tx.commit())), 10);
});

t.test('rollback discards the queued writes', async (t) => {
  const key = datastore.key(['Counter', 'r']);
  const tx = datastore.transaction();
  await tx.run();
  tx.save({ key, data: { n: 1 } });
  await tx.rollback();
  t.equal(emulator.entityCount(), 0);
  t.equal(emulator.rpcCounts().Rollback >= 1, true);
});

t.test('a get before run begins the transaction in the lookup itself', async (t) => {
  const key = datastore.key(['Counter', 'lazy']);
  await datastore.save({ key, data: { n: 5 } });
  emulator.resetCounts();
  const tx = datastore.transaction();
  const [entity] = await tx.get(key);
  tx.save({ key, data: { n: entity.n + 1 } });
  await tx.commit();
  t.equal(emulator.rpcCounts().BeginTransaction, 0, 'no BeginTransaction: readOptions.newTransaction was used');
  const [after] = await datastore.get(key);
  t.equal(after.n, 6);
});

t.test('transactional queries see the data and count as reads', async (t) => {
  const key = datastore.key(['Counter', 'q']);
  await datastore.save({ key, data: { n: 1 } });
  const tx = datastore.transaction();
  await tx.run();
  const [rows] = await tx.runQuery(tx.createQuery('Counter'));
  t.equal(rows.length, 1);
  await other.save({ key, data: { n: 2 } });
  tx.save({ key: datastore.key(['Counter', 'q2']), data: { n: 1 } });
  t.equal(codeOf(await failure(tx.commit())), 10);
});

t.test('an unknown or finished transaction is INVALID_ARGUMENT (3)', async (t) => {
  // The generated client, to send requests the handwritten one never would.
  const gapic = new v1.DatastoreClient(datastore.options as ConstructorParameters<typeof v1.DatastoreClient>[0]);
  t.teardown(() => gapic.close());
  const bogus = Buffer.from('not-a-transaction');
  t.equal(codeOf(await failure(gapic.rollback({ projectId: PROJECT_ID, transaction: bogus }))), 3);
  t.equal(codeOf(await failure(gapic.lookup({ projectId: PROJECT_ID, keys: [{ path: [{ kind: 'K', name: 'k' }] }], readOptions: { transaction: bogus } }))), 3);
  const [begun] = await gapic.beginTransaction({ projectId: PROJECT_ID });
  const transaction = begun.transaction ?? null;
  await gapic.commit({ projectId: PROJECT_ID, mode: 'TRANSACTIONAL', transaction, mutations: [] });
  const again = await failure(gapic.commit({ projectId: PROJECT_ID, mode: 'TRANSACTIONAL', transaction, mutations: [] }));
  t.equal(codeOf(again), 3, 'a committed transaction cannot commit again');
});
