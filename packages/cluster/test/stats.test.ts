import { Keyv } from 'keyv';
import t from 'tap';
import { countCacheCalls, countDatastoreCalls, newStats } from '../src/index.ts';

t.test('cache calls are counted on the Keyv instance: gets as hits or misses, and failures', async (t) => {
  const stats = newStats();
  const keyv = countCacheCalls(new Keyv(), stats.cache);
  await keyv.set('a', 1);
  t.equal(await keyv.get('a'), 1, 'values pass through');
  await keyv.get('b');
  await keyv.delete('a');
  keyv.emit('error', new Error('connection lost'));
  t.same(stats.cache, { gets: 2, hits: 1, misses: 1, sets: 1, deletes: 1, errors: 1 });
});

t.test('Datastore RPCs are counted by method at the client request entry point, failed attempts apart', async (t) => {
  const stats = newStats();
  const calls: string[] = [];
  const client = {
    name: 'client',
    request_(this: { name: string }, config: { method: string }, callback: (err: Error | null, response?: unknown) => void): void {
      calls.push(`${this.name}:${config.method}`);
      setImmediate(() => (config.method === 'commit' && calls.length > 2 ? callback(new Error('UNAVAILABLE')) : callback(null, [{ ok: config.method }])));
    },
  };
  countDatastoreCalls(client, stats.datastore);
  const call = (method: string): Promise<unknown> =>
    new Promise((resolve) => client.request_({ method }, (err, response) => resolve(err ?? response)));
  t.same(await call('lookup'), [{ ok: 'lookup' }], 'answers pass through');
  await call('commit');
  t.match(await call('commit'), { message: 'UNAVAILABLE' }, 'failures pass through');
  await call('runQuery');
  t.same(calls, ['client:lookup', 'client:commit', 'client:commit', 'client:runQuery'], 'the original runs with the client as `this`');
  t.same(stats.datastore, { lookups: 1, commits: 2, other: 1, errors: 1 });
});
