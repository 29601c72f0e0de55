import { ConfigError, type Duration, type Secret } from '@gaes/core';
import { classifyKeys, newRingPolicy, planRetire, planRotate, type KeyRingPolicy, type KeyStatus } from './lifecycle.ts';
import { createStoredKey, masterKeyFrom } from './source.ts';
import { readRing, updateRing, type KeyRingLocation, type StoredRing } from './store.ts';
import { unwrapKey } from './wrap.ts';

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
  readonly keys: KeyStatus[];
  readonly removed?: string[];
  readonly stagedId?: string;
  readonly policy: KeyRingPolicy;
}

function newPolicy(options: KeyRingCommandOptions): KeyRingPolicy {
  return newRingPolicy(options, (option) => `--${option}`);
}

/**
 * Adds a staged key (creating the ring when missing). Idempotent within a propagation window: with a key
 * already staged it changes nothing. Expired keys are dropped on the way.
 */
export async function rotateKeyRing(options: KeyRingCommandOptions): Promise<KeyRingReport> {
  const master = masterKeyFrom(options.masterSecret);
  const now = options.now ?? Date.now();
  const dryRun = options.dryRun === true;
  return updateRing(options, now, (current) => {
    checkMaster(current, master);
    const policy = current?.policy ?? newPolicy(options);
    const outcome = planRotate(current?.keys ?? [], policy, now, createStoredKey(master, now));
    const ring: StoredRing = { keys: outcome.keys, policy };
    const report: KeyRingReport = {
      action: current === undefined ? 'created' : outcome.action === 'created' ? 'staged' : 'already-staged',
      dryRun,
      keys: classifyKeys(ring.keys, policy, now),
      policy,
      ...(outcome.action === 'already-staged' ? { stagedId: outcome.stagedId } : {}),
      ...(outcome.action === 'created' ? { stagedId: (outcome.keys[outcome.keys.length - 1] as { id: string }).id } : {}),
    };
    const changed = outcome.action === 'created' || outcome.keys.length !== (current?.keys.length ?? 0);
    return { ring: dryRun || !changed ? undefined : ring, result: report };
  });
}

/** Removes keys whose sessions have all expired; `force` also removes one previous key early. */
export async function retireKeyRing(options: KeyRingCommandOptions & { readonly forceKeyId?: string | undefined }): Promise<KeyRingReport> {
  const master = masterKeyFrom(options.masterSecret);
  const now = options.now ?? Date.now();
  const dryRun = options.dryRun === true;
  return updateRing(options, now, (current) => {
    if (current === undefined) throw new ConfigError('there is no key ring yet: run `gaes-keys rotate` first');
    checkMaster(current, master);
    let outcome;
    try {
      outcome = planRetire(current.keys, current.policy, now, options.forceKeyId === undefined ? undefined : { keyId: options.forceKeyId });
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
    const ring: StoredRing = { keys: outcome.keys, policy: current.policy };
    const report: KeyRingReport = {
      action: outcome.removed.length > 0 ? 'retired' : 'nothing-to-retire',
      dryRun,
      keys: classifyKeys(dryRun ? current.keys : ring.keys, current.policy, now),
      removed: outcome.removed,
      policy: current.policy,
    };
    return { ring: dryRun || outcome.removed.length === 0 ? undefined : ring, result: report };
  });
}

/** Lists the keys and their roles (ids and dates only). */
export async function listKeyRing(options: KeyRingCommandOptions): Promise<KeyRingReport> {
  const master = masterKeyFrom(options.masterSecret);
  const now = options.now ?? Date.now();
  const current = await readRing(options);
  if (current === undefined) throw new ConfigError('there is no key ring yet: run `gaes-keys rotate` first');
  checkMaster(current, master);
  return { action: 'listed', dryRun: false, keys: classifyKeys(current.keys, current.policy, now), policy: current.policy };
}

/** Refuses to change a ring whose keys this master secret cannot unwrap (it would add an unusable key). */
function checkMaster(current: StoredRing | undefined, master: ReturnType<typeof masterKeyFrom>): void {
  const first = current?.keys[0];
  if (first !== undefined) unwrapKey(master, first.id, first.wrapped);
}
