import { KeyRing } from '@gaes/core';
import t from 'tap';
import { GrpcCode } from '../src/classify-error.ts';
import { listKeyRing, retireKeyRing, rotateKeyRing } from '../src/keyring/commands.ts';
import { DatastoreKeyRing } from '../src/keyring/source.ts';
import { freshNamespace, rejection, startDatastore } from '@gaes/test-support/datastore';

const MASTER = 'keyring-master-secret-for-tests-0123456789abcdef';

t.test('rotate, list and retire a ring in Datastore; instances follow by refreshing', async (t) => {
  const { datastore } = await startDatastore(t);
  const namespace = freshNamespace();
  let now = 1_764_000_000_000;
  const loc = { datastore, namespace, masterSecret: MASTER, propagation: '5m', lifetime: '1h' };

  const created = await rotateKeyRing({ ...loc, now });
  t.equal(created.action, 'created');
  t.same(created.keys.map((k) => k.role), ['primary']);
  t.notMatch(JSON.stringify(created), /w\d\./, 'reports never carry wrapped keys');

  const instance = await DatastoreKeyRing.open({ ...loc, refreshInterval: 0, now: () => now });
  t.teardown(() => instance.close());
  const firstRing = instance.current();
  const oldKid = firstRing.primary.kid; // cookies sealed now carry this key id

  now += 1000;
  const staged = await rotateKeyRing({ ...loc, now });
  t.equal(staged.action, 'staged');
  t.same(staged.keys.map((k) => k.role), ['primary', 'staged']);
  const repeat = await rotateKeyRing({ ...loc, now: now + 1000 });
  t.equal(repeat.action, 'already-staged', 're-running rotate within the window changes nothing');
  t.equal((await listKeyRing({ ...loc, now })).keys.length, 2);

  await instance.refresh();
  const during = instance.current();
  t.equal(during.primary.kid, firstRing.primary.kid, 'the staged key does not seal yet');
  t.equal(during.size, 2, 'but it opens');

  now += 5 * 60_000;
  const after = instance.current();
  t.not(after.primary.kid, firstRing.primary.kid, 'after the window the new key seals, without a refresh');
  t.ok(after.find(oldKid), 'old cookies still open (and the plugin re-seals them: the key is not primary)');

  const early = await retireKeyRing({ ...loc, now });
  t.equal(early.action, 'nothing-to-retire', 'the previous key is kept while its sessions may live');
  now += 3_600_000;
  const retired = await retireKeyRing({ ...loc, now });
  t.equal(retired.action, 'retired');
  t.equal(retired.removed?.length, 1);
  await instance.refresh();
  t.equal(instance.current().size, 1);
  t.equal(instance.current().find(oldKid), undefined, 'the retired key is gone');
});

t.test('a wrong master secret is refused and changes nothing', async (t) => {
  const { datastore } = await startDatastore(t);
  const namespace = freshNamespace();
  await rotateKeyRing({ datastore, namespace, masterSecret: MASTER });
  const err = await rejection(rotateKeyRing({ datastore, namespace, masterSecret: 'another-master-secret-0123456789abcdefghij' }));
  t.equal((err as { code?: string }).code, 'ERR_GAES_KEY_UNWRAP');
  t.equal((await listKeyRing({ datastore, namespace, masterSecret: MASTER })).keys.length, 1);
  const open = await rejection(DatastoreKeyRing.open({ datastore, namespace, masterSecret: 'another-master-secret-0123456789abcdefghij' }));
  t.match(open, { code: 'ERR_GAES_KEY_UNWRAP', reason: 'mismatch' });
});

t.test('configuration errors', async (t) => {
  const { datastore } = await startDatastore(t);
  const namespace = freshNamespace();
  const saved = process.env.GAES_MASTER_SECRET;
  delete process.env.GAES_MASTER_SECRET;
  t.teardown(() => {
    if (saved !== undefined) process.env.GAES_MASTER_SECRET = saved;
  });
  t.equal(((await rejection(rotateKeyRing({ datastore, namespace }))) as { code?: string }).code, 'ERR_GAES_CONFIG', 'no master secret');
  t.equal(((await rejection(listKeyRing({ datastore, namespace, masterSecret: MASTER }))) as { code?: string }).code, 'ERR_GAES_CONFIG', 'no ring yet');
  const refresh = await rejection(DatastoreKeyRing.open({ datastore, namespace, masterSecret: MASTER, propagation: '30s', refreshInterval: '60s' }));
  t.equal((refresh as { code?: string }).code, 'ERR_GAES_CONFIG', 'refresh slower than propagation');
  const created = await DatastoreKeyRing.open({ datastore, namespace: freshNamespace(), masterSecret: MASTER, refreshInterval: 0 });
  t.ok(created.current() instanceof KeyRing, 'a missing ring is created with one key');
  created.close();
});

t.test('concurrent rotations from many instances add exactly one staged key', async (t) => {
  const { datastore } = await startDatastore(t);
  const namespace = freshNamespace();
  await rotateKeyRing({ datastore, namespace, masterSecret: MASTER, now: 0 });
  const results = await Promise.all(Array.from({ length: 8 }, () => rotateKeyRing({ datastore, namespace, masterSecret: MASTER, now: 10 })));
  t.equal(results.filter((r) => r.action === 'staged').length, 1);
  t.equal((await listKeyRing({ datastore, namespace, masterSecret: MASTER, now: 10 })).keys.length, 2);
});

t.test('a ring update that loses a race (ABORTED) is run again; any other refusal is not', async (t) => {
  const { datastore, emulator } = await startDatastore(t);
  if (emulator === undefined) return t.skip('needs the in-memory emulator to inject faults');
  const namespace = freshNamespace();
  emulator.injectFault({ method: 'Commit', code: GrpcCode.ABORTED, times: 2 });
  emulator.resetCounts();
  t.equal((await rotateKeyRing({ datastore, namespace, masterSecret: MASTER })).action, 'created', 'created on the third attempt');
  t.equal(emulator.rpcCounts().Commit, 3);
  emulator.injectFault({ method: 'Commit', code: GrpcCode.PERMISSION_DENIED });
  emulator.resetCounts();
  t.match(await rejection(rotateKeyRing({ datastore, namespace: freshNamespace(), masterSecret: MASTER })), { code: GrpcCode.PERMISSION_DENIED });
  t.equal(emulator.rpcCounts().Commit, 1, 'not retried');
});
