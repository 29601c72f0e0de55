import { createRequire } from 'node:module';
import { createSessionId, StoreRejectedError } from '@gaes/core';
import { Datastore } from '@google-cloud/datastore';
import t from 'tap';
import { DatastoreSessionStore, deleteExpiredSessions } from '../src/index.ts';
import { freshNamespace, keyNames, rejection, startDatastore } from '@gaes/test-support/datastore';

const { clientOptions } = await startDatastore(t);

/**
 * A second copy of `@google-cloud/datastore`, as an app with its own (other) version would have: its
 * classes, KEY symbol and filter classes differ from the ones this package imports.
 */
function foreignDatastoreClass(): typeof Datastore {
  const require = createRequire(import.meta.url);
  require('@google-cloud/datastore');
  for (const id of Object.keys(require.cache)) {
    if (id.includes('@google-cloud+datastore@')) Reflect.deleteProperty(require.cache, id);
  }
  return (require('@google-cloud/datastore') as { Datastore: typeof Datastore }).Datastore;
}

const Foreign = foreignDatastoreClass();
const foreign = new Foreign(clientOptions);
const NOW = Date.UTC(2031, 0, 1);

t.test('the copy really is foreign', async (t) => {
  t.not(Foreign, Datastore);
  t.not(foreign.KEY, Datastore.KEY);
  t.notOk(foreign instanceof Datastore);
});

t.test('the session store works with a client from another copy', async (t) => {
  const store = new DatastoreSessionStore({ datastore: foreign, namespace: freshNamespace() });
  t.equal(store.datastore, foreign, 'used as given');
  const id = createSessionId(NOW, false);
  await store.set(id, new Uint8Array([1, 2, 3]), NOW);
  t.same([...((await store.get(id)) ?? [])], [1, 2, 3]);
  await store.delete(id);
  t.equal(await store.get(id), undefined);
});

t.test('the sweeper keeps its key-range filter with a client from another copy', async (t) => {
  const namespace = freshNamespace();
  const ids = [createSessionId(NOW - 60_000, false), createSessionId(NOW + 60_000, false)];
  await foreign.save(ids.map((id) => ({ key: foreign.key({ namespace, path: ['GaesSession', id] }), data: { expiresAt: new Date() } })));
  const result = await deleteExpiredSessions({ datastore: foreign, namespace, now: NOW, batchSize: 1, deadline: Number.POSITIVE_INFINITY });
  t.same(result, { deleted: 1, scanned: 1, done: true });
  t.same(await keyNames(foreign, 'GaesSession', namespace), [ids[1]], 'the unexpired session is still there');
});

t.test('a query that lost its key filter deletes nothing', async (t) => {
  const namespace = freshNamespace();
  const ids = [createSessionId(NOW - 60_000, false), createSessionId(NOW + 60_000, false)];
  await foreign.save(ids.map((id) => ({ key: foreign.key({ namespace, path: ['GaesSession', id] }), data: {} })));
  // A client whose queries ignore every filter: the sweep would otherwise see unexpired sessions.
  const broken = new Foreign(clientOptions);
  const createQuery = broken.createQuery.bind(broken) as (...args: unknown[]) => ReturnType<typeof broken.createQuery>;
  Object.assign(broken, {
    createQuery: (...args: unknown[]) => Object.assign(createQuery(...args), { filter() { return this; } }),
  });
  const err = await rejection(deleteExpiredSessions({ datastore: broken, namespace, now: NOW, deadline: Number.POSITIVE_INFINITY }));
  t.type(err, StoreRejectedError);
  t.same(await keyNames(foreign, 'GaesSession', namespace), [...ids].sort(), 'nothing deleted');
});
