import { ConfigError, KeyRing, parseDuration, resolveMasterSecret, type Duration, type Secret } from '@gaes/core';
import { classifyKeys, newRingPolicy, type KeyStatus } from './lifecycle.ts';
import { KeyRingFormatError, readRing, ringIdentity, updateRing, type KeyRingLocation, type StoredRing } from './store.ts';
import { createStoredKey, ringStatus, unwrapRing, type UnwrappedRing } from './unwrap-ring.ts';
import { deriveMasterKey, type MasterKey, type RingIdentity } from './wrap.ts';

/** Options of {@link DatastoreKeyRing}. */
export interface DatastoreKeyRingOptions extends KeyRingLocation {
  /** The master secret that wraps the data keys. @default process.env.GAES_MASTER_SECRET */
  readonly masterSecret?: Secret | undefined;
  /** How often every instance re-reads the ring. @default '60s' */
  readonly refreshInterval?: Duration | undefined;
  /** For a ring that does not exist yet: how long new keys stay staged. @default '5m' */
  readonly propagation?: Duration | undefined;
  /** For a ring that does not exist yet: the session lifetime (how long superseded keys keep opening). @default '7d' */
  readonly lifetime?: Duration | undefined;
  /** Create the ring with a first key when it does not exist. @default true */
  readonly createIfMissing?: boolean | undefined;
  /**
   * Called when a background refresh fails (the last good ring stays in use), and with a `KeyUnwrapError`
   * for each key of the ring that is refused (it does not unwrap: it is left out and never used), once per
   * entry. @default `process.emitWarning`
   */
  readonly onRefreshError?: ((err: unknown) => void) | undefined;
  /** The clock. @default Date.now */
  readonly now?: (() => number) | undefined;
}

/**
 * The wrapping key from the `masterSecret` option or `GAES_MASTER_SECRET` (see `resolveMasterSecret`).
 * @throws {ConfigError} when neither is set, or the secret is too short.
 */
export function masterKeyFrom(secret: Secret | undefined): MasterKey {
  return deriveMasterKey(resolveMasterSecret(secret, { alternative: 'pass `masterSecret`' }));
}

/**
 * A key ring kept in one Datastore entity and re-read by every instance on an interval, for the plugin's
 * `keyring` option: rotating keys (`gaes-keys rotate`) then reaches every running instance without a
 * redeploy, and no session is rejected on the way (see `lifecycle.ts`). A key whose role has ended (expired)
 * stops opening cookies at once, before `gaes-keys retire` removes it; a key that does not unwrap (copied
 * from another ring, edited in the entity) is left out and reported to `onRefreshError`.
 *
 * @example
 * const keyring = await DatastoreKeyRing.open({ datastore, masterSecret: process.env.GAES_MASTER_SECRET });
 * await app.register(gaeSessions, { keyring, datastore });
 */
export class DatastoreKeyRing {
  readonly #loc: KeyRingLocation;
  readonly #identity: RingIdentity;
  readonly #master: MasterKey;
  readonly #now: () => number;
  readonly #onRefreshError: (err: unknown) => void;
  /** The refused entries already reported, so a refresh every minute does not report them again. */
  #reported = new Set<string>();
  #keys: UnwrappedRing;
  #ring: KeyRing | undefined;
  #ringValidUntil = 0;
  #timer: NodeJS.Timeout | undefined;

  private constructor(loc: KeyRingLocation, identity: RingIdentity, master: MasterKey, keys: UnwrappedRing, options: DatastoreKeyRingOptions) {
    this.#loc = loc;
    this.#identity = identity;
    this.#master = master;
    this.#keys = keys;
    this.#now = options.now ?? Date.now;
    this.#onRefreshError = options.onRefreshError ?? ((err) => process.emitWarning(err as Error));
    this.#reportRefused();
  }

  /**
   * Reads the ring (creating it with a first key when missing) and starts refreshing it.
   * @throws {ConfigError} when the refresh interval is not shorter than the ring's propagation window.
   * @throws {KeyUnwrapError} when no key of the ring unwraps: a wrong master secret, a ring of `w1.` keys
   * (create a new ring), or keys copied from another ring.
   * @throws {KeyRingFormatError} when the entity is not a key ring or has no keys.
   */
  static async open(options: DatastoreKeyRingOptions): Promise<DatastoreKeyRing> {
    const master = masterKeyFrom(options.masterSecret);
    const identity = ringIdentity(options);
    const now = options.now ?? Date.now;
    const refreshMs = parseDuration(options.refreshInterval ?? '60s', '`refreshInterval`');
    let stored = await readRing(options);
    if (stored === undefined) {
      if (options.createIfMissing === false) throw new ConfigError('the key ring does not exist: run `gaes-keys rotate` to create it');
      const policy = newRingPolicy(options, (option) => `\`${option}\``);
      stored = await updateRing(options, now(), (current) => {
        if (current !== undefined) return { ring: undefined, result: current };
        const created: StoredRing = { keys: [createStoredKey(master, identity, policy, { nowMs: now(), bootstrap: true })], policy };
        return { ring: created, result: created };
      });
    }
    if (refreshMs >= stored.policy.propagationMs) {
      throw new ConfigError(
        `\`refreshInterval\` (${refreshMs} ms) must be shorter than the ring's propagation window (${stored.policy.propagationMs} ms), ` +
          'or an instance could see a cookie sealed with a key it has not loaded yet',
      );
    }
    const source = new DatastoreKeyRing(options, identity, master, usableKeys(master, identity, stored), options);
    if (refreshMs > 0) {
      source.#timer = setInterval(() => {
        source.refresh().catch((err: unknown) => source.#onRefreshError(err));
      }, refreshMs);
      source.#timer.unref();
    }
    return source;
  }

  /**
   * Re-reads the ring now. Every key is unwrapped again, so an entry edited since the last read is checked
   * again. When nothing usable is left, it throws and the last good ring stays in use.
   * @throws {KeyUnwrapError} when no key of the ring unwraps any more.
   */
  async refresh(): Promise<void> {
    const stored = await readRing(this.#loc);
    if (stored === undefined) throw new ConfigError('the key ring entity disappeared; keeping the last one');
    this.#keys = usableKeys(this.#master, this.#identity, stored);
    this.#ring = undefined;
    this.#reportRefused();
  }

  /**
   * The ring to seal and open with now: the primary key seals; staged and previous keys open. Expired keys
   * (superseded more than one session lifetime ago) and refused keys are not in it.
   */
  current(): KeyRing {
    const now = this.#now();
    if (this.#ring !== undefined && now < this.#ringValidUntil) return this.#ring;
    const { usable, dataKeys } = this.#keys;
    const statuses = classifyKeys(usable.keys, usable.policy, now);
    // Never empty: the ring has a usable key, and classifyKeys always makes one key primary.
    const ordered = statuses.filter((s) => s.role !== 'expired').map((s) => dataKeys.get(s.id) as Buffer);
    this.#ring = new KeyRing(ordered);
    // Roles change only when a staged key becomes active (the primary before it becomes previous) or a
    // previous key expires (at its removableAtMs): recompute then, so an expired key stops opening at once.
    const upcoming = statuses.flatMap((s) => [s.role === 'staged' ? s.activeAtMs : Infinity, s.removableAtMs ?? Infinity]).filter((t) => t > now);
    this.#ringValidUntil = Math.min(...upcoming, now + 60_000);
    return this.#ring;
  }

  /** Each key's role now, refused keys last (ids and dates only, never key material). */
  status(): KeyStatus[] {
    const { usable, refused } = this.#keys;
    return ringStatus(usable.keys, refused, usable.policy, this.#now());
  }

  /** Stops refreshing. */
  close(): void {
    clearInterval(this.#timer);
  }

  #reportRefused(): void {
    const reported = new Set<string>();
    for (const { key, error } of this.#keys.refused) {
      const entry = JSON.stringify(key);
      reported.add(entry);
      if (!this.#reported.has(entry)) this.#onRefreshError(error);
    }
    this.#reported = reported;
  }
}

/** The keys of `stored` that this master secret may use. @throws {KeyUnwrapError} @throws {KeyRingFormatError} */
function usableKeys(master: MasterKey, identity: RingIdentity, stored: StoredRing): UnwrappedRing {
  const keys = unwrapRing(master, identity, stored);
  if (keys.usable.keys.length === 0) throw new KeyRingFormatError('the key ring has no keys: run `gaes-keys rotate` to add one');
  return keys;
}
