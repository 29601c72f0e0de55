import type { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { classifyKeys, type KeyRingPolicy, type KeyStatus, type StoredKey } from './lifecycle.ts';
import type { StoredRing } from './store.ts';
import { KeyUnwrapError, newDataKey, unwrapKey, wrapKey, type KeyBinding, type MasterKey, type RingIdentity } from './wrap.ts';

/** A stored key that does not unwrap, and why. */
export interface RefusedKey {
  readonly key: StoredKey;
  readonly error: KeyUnwrapError;
}

/** A stored ring as one master secret sees it. */
export interface UnwrappedRing {
  /** The keys that unwrap (one entry per id) with the ring's policy: the only keys whose roles count. */
  readonly usable: StoredRing;
  /** Their data keys, by id. */
  readonly dataKeys: ReadonlyMap<string, Buffer>;
  /** The entries that do not unwrap, newest first: never used. */
  readonly refused: readonly RefusedKey[];
}

function bindingOf(ring: RingIdentity, policy: KeyRingPolicy, key: StoredKey): KeyBinding {
  return { ring, policy, id: key.id, createdAtMs: key.createdAtMs, bootstrap: key.bootstrap === true };
}

/**
 * A new key for `ring`, created at `nowMs`, wrapped with the master key and bound to the ring, its policy and
 * its own times. `bootstrap`: the ring's first key, active at once.
 */
export function createStoredKey(
  master: MasterKey,
  ring: RingIdentity,
  policy: KeyRingPolicy,
  key: { readonly nowMs: number; readonly bootstrap: boolean },
): StoredKey {
  const { nowMs, bootstrap } = key;
  const id = randomBytes(6).toString('hex');
  const wrapped = wrapKey(master, { ring, policy, id, createdAtMs: nowMs, bootstrap }, newDataKey());
  return { id, createdAtMs: nowMs, ...(bootstrap ? { bootstrap: true } : {}), wrapped };
}

/**
 * Unwraps every key of `stored`. A key that does not unwrap is refused and left out, as if it were not in
 * the entity: the other keys get the roles they would have without it. Anyone who can edit the entity could
 * delete that key anyway, so leaving it out gives them nothing more, while one bad entry (a key restored
 * from another ring, a hand edit) does not take the sessions of the good keys down. Every instance reading
 * the same entity with the same master secret leaves out the same keys, so they still agree on every role.
 *
 * @throws {KeyUnwrapError} when the ring has keys and none of them unwraps (a wrong master secret, a ring of
 * `w1.` keys, a ring copied from elsewhere): the error of its newest key.
 */
export function unwrapRing(master: MasterKey, ring: RingIdentity, stored: StoredRing): UnwrappedRing {
  const usable: StoredKey[] = [];
  const dataKeys = new Map<string, Buffer>();
  const refused: RefusedKey[] = [];
  for (const key of stored.keys) {
    try {
      const dataKey = unwrapKey(master, bindingOf(ring, stored.policy, key), key.wrapped);
      // An entry repeated verbatim: one key (two would make the seal key ring refuse a duplicate).
      if (dataKeys.has(key.id)) continue;
      dataKeys.set(key.id, dataKey);
      usable.push(key);
    } catch (err) {
      if (!(err instanceof KeyUnwrapError)) throw err;
      refused.push({ key, error: err });
    }
  }
  refused.sort((a, b) => b.key.createdAtMs - a.key.createdAtMs);
  const newest = refused[0];
  if (usable.length === 0 && newest !== undefined) throw newest.error;
  return { usable: { keys: usable, policy: stored.policy }, dataKeys, refused };
}

/** Every key's role at `nowMs` (see `classifyKeys`), refused keys last. */
export function ringStatus(keys: readonly StoredKey[], refused: readonly RefusedKey[], policy: KeyRingPolicy, nowMs: number): KeyStatus[] {
  const refusedStatus = refused.map(({ key }): KeyStatus => ({ id: key.id, role: 'refused', createdAtMs: key.createdAtMs, activeAtMs: key.createdAtMs }));
  return [...classifyKeys(keys, policy, nowMs), ...refusedStatus];
}
