import { ConfigError, type Duration, type Secret } from '@gaes/core';
import { newRingPolicy, planRetire, planRotate, type KeyRingPolicy, type KeyStatus } from './lifecycle.ts';
import { masterKeyFrom } from './source.ts';
import { readRing, ringIdentity, updateRing, type KeyRingLocation, type StoredRing } from './store.ts';
import { createStoredKey, ringStatus, unwrapRing } from './unwrap-ring.ts';

/** Options shared by the key-ring commands. */
export interface KeyRingCommandOptions extends KeyRingLocation {
  /** @default process.env.GAES_MASTER_SECRET */
  readonly masterSecret?: Secret | undefined;
  /** The clock. @default Date.now */
  readonly now?: number | undefined;
  /** For a new ring: how long new keys stay staged. @default '5m' */
  readonly propagation?: Duration | undefined;
  /** For a new ring: the session lifetime. @default '7d' */
  readonly lifetime?: Duration | undefined;
  /** Report what would change without writing. */
  readonly dryRun?: boolean | undefined;
}

/** What a key-ring command did, for humans and `--json`. Never contains key material. */
export interface KeyRingReport {
  readonly action: 'created' | 'staged' | 'already-staged' | 'retired' | 'nothing-to-retire' | 'listed';
  readonly dryRun: boolean;
  /** Every key's role; keys that do not unwrap with this master secret are listed last as `refused`. */
  readonly keys: KeyStatus[];
  readonly removed?: string[];
  readonly stagedId?: string;
  readonly policy: KeyRingPolicy;
}

function newPolicy(options: KeyRingCommandOptions): KeyRingPolicy {
  return newRingPolicy(options, (option) => `--${option}`);
}

// Every command plans on the keys that unwrap, as the instances use them (see `unwrapRing`), and refuses
// to touch a ring none of whose keys unwraps: a wrong master secret would add a key no instance can use.

/**
 * Adds a staged key (creating the ring when missing). Idempotent within a propagation window: with a key
 * already staged it changes nothing. Expired keys are dropped on the way; refused keys are kept as they are.
 * @throws {KeyUnwrapError} when no key of the ring unwraps with this master secret.
 */
export async function rotateKeyRing(options: KeyRingCommandOptions): Promise<KeyRingReport> {
  const master = masterKeyFrom(options.masterSecret);
  const identity = ringIdentity(options);
  const now = options.now ?? Date.now();
  const dryRun = options.dryRun === true;
  return updateRing(options, now, (current) => {
    const policy = current?.policy ?? newPolicy(options);
    const { usable, refused } = current === undefined ? { usable: { keys: [] }, refused: [] } : unwrapRing(master, identity, current);
    const outcome = planRotate(usable.keys, policy, now, (bootstrap) => createStoredKey(master, identity, policy, { nowMs: now, bootstrap }));
    const ring: StoredRing = { keys: [...outcome.keys, ...refused.map((r) => r.key)], policy };
    const report: KeyRingReport = {
      action: current === undefined ? 'created' : outcome.action === 'created' ? 'staged' : 'already-staged',
      dryRun,
      keys: ringStatus(outcome.keys, refused, policy, now),
      policy,
      ...(outcome.action === 'already-staged' ? { stagedId: outcome.stagedId } : {}),
      ...(outcome.action === 'created' ? { stagedId: (outcome.keys[outcome.keys.length - 1] as { id: string }).id } : {}),
    };
    const changed = outcome.action === 'created' || ring.keys.length !== (current?.keys.length ?? 0);
    return { ring: dryRun || !changed ? undefined : ring, result: report };
  });
}

/**
 * Removes keys whose sessions have all expired, and refused keys (they never open anything); `force` also
 * removes one previous key early.
 * @throws {KeyUnwrapError} when no key of the ring unwraps with this master secret.
 */
export async function retireKeyRing(options: KeyRingCommandOptions & { readonly forceKeyId?: string | undefined }): Promise<KeyRingReport> {
  const master = masterKeyFrom(options.masterSecret);
  const identity = ringIdentity(options);
  const now = options.now ?? Date.now();
  const dryRun = options.dryRun === true;
  return updateRing(options, now, (current) => {
    if (current === undefined) throw new ConfigError('there is no key ring yet: run `gaes-keys rotate` first');
    const { usable, refused } = unwrapRing(master, identity, current);
    const refusedIds = refused.map((r) => r.key.id);
    const forced = options.forceKeyId;
    // A refused key goes anyway: naming it with `force` is not an error.
    const force = forced === undefined || (refusedIds.includes(forced) && !usable.keys.some((k) => k.id === forced)) ? undefined : { keyId: forced };
    const outcome = planRetire(usable.keys, current.policy, now, force);
    const removed = [...new Set([...outcome.removed, ...refusedIds])];
    const ring: StoredRing = { keys: outcome.keys, policy: current.policy };
    const report: KeyRingReport = {
      action: removed.length > 0 ? 'retired' : 'nothing-to-retire',
      dryRun,
      keys: dryRun ? ringStatus(usable.keys, refused, current.policy, now) : ringStatus(ring.keys, [], current.policy, now),
      removed,
      policy: current.policy,
    };
    return { ring: dryRun || removed.length === 0 ? undefined : ring, result: report };
  });
}

/**
 * Lists the keys and their roles (ids and dates only).
 * @throws {KeyUnwrapError} when no key of the ring unwraps with this master secret.
 */
export async function listKeyRing(options: KeyRingCommandOptions): Promise<KeyRingReport> {
  const master = masterKeyFrom(options.masterSecret);
  const now = options.now ?? Date.now();
  const current = await readRing(options);
  if (current === undefined) throw new ConfigError('there is no key ring yet: run `gaes-keys rotate` first');
  const { usable, refused } = unwrapRing(master, ringIdentity(options), current);
  return { action: 'listed', dryRun: false, keys: ringStatus(usable.keys, refused, current.policy, now), policy: current.policy };
}
