import t from 'tap';
import { PropertyFilter, and, or } from '@google-cloud/datastore';
import { MAX_BATCH_SIZE } from '@gaes/datastore-emulator';
import { codeOf, startHarness } from './fixtures/harness.ts';

const { emulator, datastore } = await startHarness(t);

const KIND = 'Expiring';
const CUTOFF = 1_764_000_000;
// Names like the sweeper's: "<expiry seconds>~<id>". 1,000 expire before CUTOFF, 200 at or after it.
const names = Array.from({ length: 1200 }, (_, i) => `${CUTOFF - 1000 + i}~${String(i).padStart(4, '0')}`);
for (let i = 0; i < names.length; i += 400) {
  await datastore.save(names.slice(i, i + 400).map((name, j) => ({ key: datastore.key([KIND, name]), data: { i: i + j } })));
}

const nameOf = (entity: object): string => String((entity as Record<symbol, { name?: string }>)[datastore.KEY]?.name);

t.test('keys-only __key__ range query pages by limit and cursor', async (t) => {
  const expired = names.slice(0, 1000);
  const pageSize = 400;
  const base = datastore
    .createQuery(KIND)
    .filter(new PropertyFilter('__key__', '<', datastore.key([KIND, `${CUTOFF}~`])))
    .select('__key__')
    .limit(pageSize);
  emulator.resetCounts();
  const seen: string[] = [];
  const infos: string[] = [];
  let cursor: string | undefined;
  let withProperties = 0;
  for (;;) {
    const query = cursor === undefined ? base : base.start(cursor);
    const [entities, info] = await datastore.runQuery(query);
    for (const entity of entities) {
      if (Object.keys(entity).length > 0) withProperties++;
      seen.push(nameOf(entity));
    }
    infos.push(String(info.moreResults));
    cursor = info.endCursor;
    if (info.moreResults === 'NO_MORE_RESULTS' || entities.length === 0) break;
  }
  t.same(seen, expired, 'every expired key once, in key order');
  t.equal(withProperties, 0, 'keys-only results carry no properties');
  t.same(infos, ['MORE_RESULTS_AFTER_LIMIT', 'MORE_RESULTS_AFTER_LIMIT', 'NO_MORE_RESULTS']);
  // 400 = 300 (NOT_FINISHED) + 100, twice; then 200.
  t.equal(emulator.rpcCounts().RunQuery, 5, 'the client followed NOT_FINISHED batches');
});

t.test('a query without limit is served in batches the client stitches together', async (t) => {
  emulator.resetCounts();
  const [entities] = await datastore.runQuery(datastore.createQuery(KIND).select('__key__'));
  t.equal(entities.length, 1200);
  t.equal(emulator.rpcCounts().RunQuery, Math.ceil(1200 / MAX_BATCH_SIZE));
  const streamed: string[] = [];
  for await (const entity of datastore.runQueryStream(datastore.createQuery(KIND).select('__key__'))) {
    streamed.push(nameOf(entity as object));
  }
  t.same(streamed, names);
});

t.test('descending key order, offset and end cursor', async (t) => {
  const [desc] = await datastore.runQuery(datastore.createQuery(KIND).select('__key__').order('__key__', { descending: true }).limit(3));
  t.same(desc.map(nameOf), names.slice(-3).reverse());
  const [offset] = await datastore.runQuery(datastore.createQuery(KIND).select('__key__').offset(5).limit(2));
  t.same(offset.map(nameOf), names.slice(5, 7));
  const [, first] = await datastore.runQuery(datastore.createQuery(KIND).select('__key__').limit(10));
  const [upTo, info] = await datastore.runQuery(datastore.createQuery(KIND).select('__key__').end(String(first.endCursor)));
  t.same(upTo.map(nameOf), names.slice(0, 10));
  t.equal(info.moreResults, 'MORE_RESULTS_AFTER_CURSOR');
});

t.test('property filters, composite filters and order', async (t) => {
  await datastore.save([
    { key: datastore.key(['User', 'ann']), data: { age: 31, team: 'red', tags: ['a', 'b'] } },
    { key: datastore.key(['User', 'bob']), data: { age: 25, team: 'blue', tags: ['b'] } },
    { key: datastore.key(['User', 'cat']), data: { age: 42, team: 'red', tags: [] } },
    { key: datastore.key(['User', 'dan']), data: { age: 25.5, team: 'green' } },
    { key: datastore.key(['User', 'eve']), data: { team: 'red', secret: 'x' }, excludeFromIndexes: ['secret'] },
  ]);
  const run = async (query: ReturnType<typeof datastore.createQuery>) => (await datastore.runQuery(query))[0].map(nameOf);
  const users = () => datastore.createQuery('User');
  t.same(await run(users().filter(new PropertyFilter('team', '=', 'red'))), ['ann', 'cat', 'eve']);
  t.same(await run(users().filter(new PropertyFilter('age', '>', 25)).order('age')), ['dan', 'ann', 'cat'], 'ints and doubles together');
  t.same(await run(users().filter(new PropertyFilter('age', '<=', 31)).order('age', { descending: true })), ['ann', 'dan', 'bob']);
  t.same(await run(users().filter(new PropertyFilter('team', '!=', 'red'))), ['bob', 'dan']);
  t.same(await run(users().filter(new PropertyFilter('team', 'IN', ['blue', 'green']))), ['bob', 'dan']);
  t.same(await run(users().filter(new PropertyFilter('team', 'NOT_IN', ['red', 'green']))), ['bob']);
  t.same(await run(users().filter(new PropertyFilter('tags', '=', 'b'))), ['ann', 'bob'], 'array elements match one by one');
  t.same(await run(users().filter(and([new PropertyFilter('team', '=', 'red'), new PropertyFilter('age', '>=', 40)]))), ['cat']);
  t.same(await run(users().filter(or([new PropertyFilter('team', '=', 'green'), new PropertyFilter('age', '<', 26)]))), ['bob', 'dan']);
  t.same(await run(users().filter(new PropertyFilter('secret', '=', 'x'))), [], 'unindexed values never match');
  t.same(await run(users().order('age')), ['bob', 'dan', 'ann', 'cat'], 'entities without the order property are left out');
  t.same(await run(users().filter(new PropertyFilter('__key__', 'IN', [datastore.key(['User', 'bob']), datastore.key(['User', 'eve'])]))), ['bob', 'eve']);
  const [projected] = await datastore.runQuery(users().select('team').filter(new PropertyFilter('team', '=', 'blue')));
  t.same(projected.map((e) => Object.fromEntries(Object.entries(e))), [{ team: 'blue' }]);
});

t.test('mixed value types sort as Datastore sorts them', async (t) => {
  const values: unknown[] = [null, 3, 2.5, new Date(0), true, 'str', datastore.key(['K', 1])];
  await datastore.save(values.map((v, i) => ({ key: datastore.key(['Mixed', `m${i}`]), data: { v } })));
  const [rows] = await datastore.runQuery(datastore.createQuery('Mixed').order('v'));
  t.same(rows.map(nameOf), ['m0', 'm2', 'm1', 'm3', 'm4', 'm5', 'm6']);
});

t.test('ancestor queries and namespaces', async (t) => {
  const parent = datastore.key(['Account', 'acme']);
  await datastore.save([
    { key: datastore.key(['Account', 'acme', 'Session', 's1']), data: {} },
    { key: datastore.key(['Account', 'acme', 'Session', 's2']), data: {} },
    { key: datastore.key(['Account', 'other', 'Session', 's3']), data: {} },
    { key: datastore.key({ namespace: 'tenant', path: ['Session', 's4'] }), data: {} },
  ]);
  const [children] = await datastore.runQuery(datastore.createQuery('Session').hasAncestor(parent));
  t.same(children.map(nameOf), ['s1', 's2']);
  const [tenant] = await datastore.runQuery(datastore.createQuery('tenant', 'Session'));
  t.same(tenant.map(nameOf), ['s4']);
});

t.test('count aggregation', async (t) => {
  const query = datastore.createQuery(KIND).filter(new PropertyFilter('__key__', '<', datastore.key([KIND, `${CUTOFF}~`])));
  const [[result]] = await datastore.runAggregationQuery(datastore.createAggregationQuery(query).count('total'));
  t.equal(result?.total, 1000);
});

t.test('GQL is UNIMPLEMENTED (12); a forged cursor is INVALID_ARGUMENT (3)', async (t) => {
  const error = await datastore.runQuery(datastore.createQuery(KIND).start(Buffer.from('nope').toString('base64'))).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.equal(codeOf(error), 3);
  const request = datastore as unknown as {
    request_(config: object, callback: (err: unknown) => void): void;
  };
  const gqlError = await new Promise((resolve) => {
    request.request_({ client: 'DatastoreClient', method: 'runQuery', reqOpts: { gqlQuery: { queryString: 'SELECT * FROM x' } } }, resolve);
  });
  t.equal(codeOf(gqlError), 12);
});
