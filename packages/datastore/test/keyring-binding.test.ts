/**
 * A wrapped key is bound to its ring entity (kind, name, namespace), its id, its times (createdAtMs, the
 * bootstrap flag) and the ring's timing rules: a key restored into another ring, or re-timed in the entity to
 * revive it, does not unwrap. A refused key is left out (as if deleted) and reported; the ring keeps working
 * with the others, and fails to open only when no key is usable.
 */
import { Buffer } from 'node:buffer';
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import t from 'tap';
import { listKeyRing, retireKeyRing, rotateKeyRing } from '../src/keyring/commands.ts';
import type { StoredKey } from '../src/keyring/lifecycle.ts';
import { DatastoreKeyRing } from '../src/keyring/source.ts';
import { readRing, updateRing, type KeyRingLocation, type StoredRing } from '../src/keyring/store.ts';
import { freshNamespace, rejection, startDatastore } from '@gaes/test-support/datastore';

const MASTER = 'keyring-binding-master-secret-0123456789abcdef';
const T0 = Date.UTC(2031, 0, 1);
const PROPAGATION_MS = 5 * 60_000;
const { datastore } = await startDatastore(t);

type Where = Omit<KeyRingLocation, 'datastore'>;

/** A ring of two keys: `a` (the bootstrap key, primary) and `b` (staged at T0 + 1 s). */
async function twoKeyRing(where: Where): Promise<{ a: string; b: string }> {
  const options = { datastore, ...where, masterSecret: MASTER, propagation: '5m', lifetime: '1h' };
  const a = (await rotateKeyRing({ ...options, now: T0 })).stagedId as string;
  const b = (await rotateKeyRing({ ...options, now: T0 + 1000 })).stagedId as string;
  return { a, b };
}

/** Writes `ring` as the entity at `where`, as a hand edit or a restore would. */
async function writeRing(where: Where, ring: StoredRing): Promise<void> {
  await updateRing({ datastore, ...where }, T0, () => ({ ring, result: undefined }));
}

async function editKey(where: Where, id: string, change: (key: StoredKey) => StoredKey): Promise<void> {
  const ring = (await readRing({ datastore, ...where })) as StoredRing;
  await writeRing(where, { ...ring, keys: ring.keys.map((k) => (k.id === id ? change(k) : k)) });
}

async function openRing(where: Where, now: () => number, errors: unknown[] = []): Promise<DatastoreKeyRing> {
  const ring = await DatastoreKeyRing.open({ datastore, ...where, masterSecret: MASTER, refreshInterval: 0, now, onRefreshError: (err) => errors.push(err) });
  t.teardown(() => ring.close());
  return ring;
}

const roles = (ring: DatastoreKeyRing) => Object.fromEntries(ring.status().map((s) => [s.id, s.role]));

t.test('a key re-timed in the entity is refused and left out; the other keys keep working', async (t) => {
  const where = { namespace: freshNamespace() };
  const { a, b } = await twoKeyRing(where);
  let now = T0 + 2000;
  const errors: unknown[] = [];
  const ring = await openRing(where, () => now, errors);
  const kidA = ring.current().primary.kid;
  now = T0 + 1000 + PROPAGATION_MS;
  const kidB = ring.current().primary.kid;
  t.not(kidB, kidA, 'b seals once its window has passed');

  // Moving b's creation back would make it active sooner; moving a key forward would keep it alive longer.
  await editKey(where, b, (k) => ({ ...k, createdAtMs: k.createdAtMs - 60_000 }));
  await ring.refresh();
  t.equal(ring.current().find(kidB), undefined, 'the re-timed key no longer opens, though it was loaded before');
  t.equal(ring.current().primary.kid, kidA, 'the ring works on without it');
  t.same(roles(ring), { [a]: 'primary', [b]: 'refused' });
  t.match(errors, [{ code: 'ERR_GAES_KEY_UNWRAP', reason: 'mismatch', keyId: b }], 'reported to onRefreshError');
  await ring.refresh();
  t.equal(errors.length, 1, 'reported once, not on every refresh');

  const fresh: unknown[] = [];
  const other = await openRing(where, () => now, fresh);
  t.equal(other.current().size, 1, 'a new instance leaves it out too');
  t.match(fresh, [{ code: 'ERR_GAES_KEY_UNWRAP', keyId: b }]);

  await editKey(where, a, (k) => ({ ...k, createdAtMs: k.createdAtMs + 1 }));
  t.match(await rejection(ring.refresh()), { code: 'ERR_GAES_KEY_UNWRAP', reason: 'mismatch' }, 'no usable key left: the refresh fails');
  t.equal(ring.current().primary.kid, kidA, '… and the last good ring stays in use');
  t.match(await rejection(openRing(where, () => now)), { code: 'ERR_GAES_KEY_UNWRAP' }, 'and a new instance does not start');
});

t.test('the bootstrap flag is bound: flipped either way, the key is refused', async (t) => {
  const where = { namespace: freshNamespace() };
  const { a, b } = await twoKeyRing(where);
  const now = () => T0 + 2000;
  // Flagging b as a bootstrap key would make it seal at once, skipping the propagation window.
  await editKey(where, b, (k) => ({ ...k, bootstrap: true }));
  t.same(roles(await openRing(where, now)), { [a]: 'primary', [b]: 'refused' });
  await editKey(where, a, ({ bootstrap: _, ...k }) => k);
  t.match(await rejection(openRing(where, now)), { code: 'ERR_GAES_KEY_UNWRAP', reason: 'mismatch', keyId: b });
});

t.test("the ring's timing rules are bound: a longer lifetime cannot revive expired keys", async (t) => {
  const where = { namespace: freshNamespace() };
  await twoKeyRing(where);
  const ring = (await readRing({ datastore, ...where })) as StoredRing;
  await writeRing(where, { ...ring, policy: { ...ring.policy, lifetimeMs: 365 * 86_400_000 } });
  t.match(await rejection(openRing(where, () => T0)), { code: 'ERR_GAES_KEY_UNWRAP', reason: 'mismatch' });
  await writeRing(where, { ...ring, policy: { ...ring.policy, propagationMs: 1000 } });
  t.match(await rejection(openRing(where, () => T0)), { code: 'ERR_GAES_KEY_UNWRAP', reason: 'mismatch' });
});

t.test('keys copied into another ring (name, kind or namespace) are refused', async (t) => {
  const name = `ring${randomBytes(4).toString('hex')}`;
  const source = { namespace: freshNamespace(), name };
  await twoKeyRing(source);
  const stored = (await readRing({ datastore, ...source })) as StoredRing;
  const targets: Array<[string, Where]> = [
    ['another name', { namespace: source.namespace, name: `${name}x` }],
    ['another kind', { namespace: source.namespace, name, kind: 'OtherKeyRing' }],
    ['another namespace', { namespace: freshNamespace(), name }],
    ['the default namespace', { name }],
  ];
  for (const [label, where] of targets) {
    await writeRing(where, stored);
    t.match(await rejection(openRing(where, () => T0 + 2000)), { code: 'ERR_GAES_KEY_UNWRAP', reason: 'mismatch' }, `${label}: the ring does not open`);
    t.match(await rejection(listKeyRing({ datastore, ...where, masterSecret: MASTER })), { code: 'ERR_GAES_KEY_UNWRAP' }, `${label}: nor does the CLI touch it`);
  }
  t.equal((await openRing(source, () => T0 + 2000)).current().size, 2, 'the original still opens');

  // One copied key among a ring's own keys: left out, the ring works.
  const mixed = { namespace: freshNamespace(), name };
  const own = (await rotateKeyRing({ datastore, ...mixed, masterSecret: MASTER, now: T0 })).stagedId as string;
  const copied = stored.keys[1] as StoredKey;
  const ownRing = (await readRing({ datastore, ...mixed })) as StoredRing;
  await writeRing(mixed, { ...ownRing, keys: [...ownRing.keys, copied] });
  const errors: unknown[] = [];
  const ring = await openRing(mixed, () => T0 + 1_000_000, errors);
  t.equal(ring.current().size, 1);
  t.same(roles(ring), { [own]: 'primary', [copied.id]: 'refused' });
  t.match(errors, [{ code: 'ERR_GAES_KEY_UNWRAP', keyId: copied.id }]);
});

t.test('the CLI plans on the keys that unwrap: list shows refused keys, rotate keeps them, retire removes them', async (t) => {
  const where = { namespace: freshNamespace() };
  const options = { datastore, ...where, masterSecret: MASTER };
  const { a, b } = await twoKeyRing(where);
  await editKey(where, b, (k) => ({ ...k, createdAtMs: k.createdAtMs + 1 }));
  const listed = await listKeyRing({ ...options, now: T0 + 2000 });
  t.same(listed.keys.map((k) => [k.id, k.role]), [[a, 'primary'], [b, 'refused']]);
  const rotated = await rotateKeyRing({ ...options, now: T0 + 3000 });
  t.equal(rotated.action, 'staged', 'a refused staged entry does not count as staged');
  const c = rotated.stagedId as string;
  t.same(rotated.keys.map((k) => [k.id, k.role]), [[a, 'primary'], [c, 'staged'], [b, 'refused']]);
  t.equal(((await readRing({ datastore, ...where })) as StoredRing).keys.length, 3, 'rotate leaves the refused entry as it is');
  const dry = await retireKeyRing({ ...options, now: T0 + 4000, dryRun: true });
  t.match(dry, { action: 'retired', dryRun: true, removed: [b] });
  const retired = await retireKeyRing({ ...options, now: T0 + 4000, forceKeyId: b });
  t.match(retired, { action: 'retired', removed: [b] }, 'naming a refused key with --force is not an error');
  t.same(((await readRing({ datastore, ...where })) as StoredRing).keys.map((k) => k.id), [a, c]);
});

t.test('an entry repeated verbatim is one key', async (t) => {
  const where = { namespace: freshNamespace() };
  await twoKeyRing(where);
  const ring = (await readRing({ datastore, ...where })) as StoredRing;
  await writeRing(where, { ...ring, keys: [...ring.keys, ...ring.keys] });
  t.equal((await openRing(where, () => T0 + 2000)).current().size, 2);
});

/** A key wrapped as the first format did: AES-256-GCM bound to the key id only. */
function wrapV1(id: string): string {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(MASTER), 'gaes/keyring-master/v1', 'wrap data keys', 32));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`gaes-keyring:${id}`));
  const body = Buffer.concat([cipher.update(randomBytes(32)), cipher.final()]);
  return `w1.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
}

t.test('w1 keys are refused with a message to create a new ring', async (t) => {
  const where = { namespace: freshNamespace() };
  const policy = { propagationMs: PROPAGATION_MS, lifetimeMs: 3_600_000 };
  await writeRing(where, { keys: [{ id: 'a1b2c3d4e5f6', createdAtMs: T0, bootstrap: true, wrapped: wrapV1('a1b2c3d4e5f6') }], policy });
  const err = await rejection(openRing(where, () => T0));
  t.match(err, { code: 'ERR_GAES_KEY_UNWRAP', reason: 'old-format', keyId: 'a1b2c3d4e5f6' });
  t.comment((err as Error).message);
  t.match(await rejection(rotateKeyRing({ datastore, ...where, masterSecret: MASTER, now: T0 })), { code: 'ERR_GAES_KEY_UNWRAP', reason: 'old-format' }, 'rotate does not add a key to it');

  await writeRing(where, { keys: [{ id: 'a1b2c3d4e5f6', createdAtMs: T0, bootstrap: true, wrapped: 'w2.not-a-key' }], policy });
  t.match(await rejection(openRing(where, () => T0)), { code: 'ERR_GAES_KEY_UNWRAP', reason: 'malformed' });
});
