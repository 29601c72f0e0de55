import t from 'tap';
import { MAX_ENTITY_BYTES, MAX_MUTATIONS } from '@gaes/datastore-emulator';
import { codeOf, startHarness } from './fixtures/harness.ts';

const { emulator, datastore } = await startHarness(t);

t.beforeEach(() => emulator.reset());

const failure = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);
const detailsOf = (e: unknown): string => String((e as { details?: unknown }).details ?? '');

t.test('an unindexed 5,000-byte Buffer saves many times', async (t) => {
  const key = datastore.key(['Session', 'blob']);
  for (let i = 0; i < 40; i++) {
    const data = Buffer.alloc(5000, i);
    await datastore.save({ key, data: { data, n: i }, excludeFromIndexes: ['data'] });
  }
  const [entity] = await datastore.get(key);
  t.equal(entity.n, 39);
  t.ok(Buffer.isBuffer(entity.data));
  t.equal((entity.data as Buffer).length, 5000);
  t.equal((entity.data as Buffer)[0], 39);
});

t.test('an indexed value longer than 1,500 bytes is rejected with INVALID_ARGUMENT (3)', async (t) => {
  const key = datastore.key(['Session', 'long']);
  const longString = 'x'.repeat(2000);
  const error = await failure(datastore.save({ key, data: { big: longString } }));
  t.equal(codeOf(error), 3);
  t.equal(detailsOf(error), 'The value of property "big" is longer than 1500 bytes.');
  t.equal(codeOf(await failure(datastore.save({ key, data: { blob: Buffer.alloc(2000) } }))), 3, 'indexed blob');
  t.equal(codeOf(await failure(datastore.save({ key, data: { list: ['ok', longString] } }))), 3, 'inside an array');
  t.equal(codeOf(await failure(datastore.save({ key, data: { nested: { inner: longString } } }))), 3, 'inside an entity value');
  t.equal(emulator.entityCount(), 0);
  await datastore.save({ key, data: { big: longString }, excludeFromIndexes: ['big'] });
  await datastore.save({ key, data: { list: ['ok', longString] }, excludeFromIndexes: ['list[]'] });
  t.equal(emulator.entityCount(), 1, 'the same values save when excluded from indexes');
});

t.test(`more than ${MAX_MUTATIONS} mutations in one commit are rejected`, async (t) => {
  const entities = (n: number) => Array.from({ length: n }, (_, i) => ({ key: datastore.key(['Bulk', `k${i}`]), data: { i } }));
  const error = await failure(datastore.save(entities(MAX_MUTATIONS + 1)));
  t.equal(codeOf(error), 3);
  t.equal(emulator.entityCount(), 0);
  await datastore.save(entities(MAX_MUTATIONS));
  t.equal(emulator.entityCount(), MAX_MUTATIONS);
});

t.test('an entity over the size limit is rejected', async (t) => {
  const key = datastore.key(['Session', 'huge']);
  const error = await failure(
    datastore.save({ key, data: { data: Buffer.alloc(MAX_ENTITY_BYTES + 10) }, excludeFromIndexes: ['data'] }),
  );
  t.equal(codeOf(error), 3);
  t.match(detailsOf(error), /too big/);
  await datastore.save({ key, data: { data: Buffer.alloc(1_000_000) }, excludeFromIndexes: ['data'] });
  const [entity] = await datastore.get(key);
  t.equal((entity.data as Buffer).length, 1_000_000);
});

t.test('a commit is atomic: one failing mutation applies none', async (t) => {
  const existing = datastore.key(['Session', 'exists']);
  await datastore.save({ key: existing, data: { v: 1 } });
  const error = await failure(
    datastore.insert([
      { key: datastore.key(['Session', 'new']), data: { v: 1 } },
      { key: existing, data: { v: 2 } },
    ]),
  );
  t.equal(codeOf(error), 6);
  t.equal(emulator.entityCount(), 1);
  const [entity] = await datastore.get(existing);
  t.equal(entity.v, 1);
});

t.test('two mutations of one key in a commit are rejected', async (t) => {
  const key = datastore.key(['Session', 'twice']);
  const error = await failure(datastore.save([{ key, data: { v: 1 } }, { key, data: { v: 2 } }]));
  t.equal(codeOf(error), 3);
});

t.test('reserved kinds are rejected', async (t) => {
  const error = await failure(datastore.save({ key: datastore.key(['__kind__', 'x']), data: {} }));
  t.equal(codeOf(error), 3);
});
