import { ConfigError, KeyRing, parseDuration, type Duration, type Secret } from '@gaes/core';
import { classifyKeys, newRingPolicy, type KeyStatus, type StoredKey } from './lifecycle.ts';
import { readRing, updateRing, type KeyRingLocation, type StoredRing } from './store.ts';
import { randomBytes } from 'node:crypto';
import { deriveMasterKey, newDataKey, unwrapKey, wrapKey, type MasterKey } from './wrap.ts';

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
  /** Called when a background refresh fails (the last good ring stays in use). */
  readonly onRefreshError?: ((err: unknown) => void) | undefined;
  /** The clock. @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** The master secret from an option or `GAES_MASTER_SECRET`. @throws {ConfigError} when neither is set. */
export function masterKeyFrom(secret: Secret | undefined): MasterKey {
  const value = secret ?? process.env.GAES_MASTER_SECRET;
  if (value === undefined || value === '') {
    throw new ConfigError('the key ring needs a master secret: set GAES_MASTER_SECRET (32+ random bytes) or pass `masterSecret`');
  }
  return deriveMasterKey(value);
}

/** A new key for the ring, wrapped with the master key. */
export function createStoredKey(master: MasterKey, nowMs: number): StoredKey {
  const id = randomBytes(6).toString('hex');
  return { id, createdAtMs: nowMs, wrapped: wrapKey(master, id, newDataKey()) };
}

/**
 * A key ring kept in one Datastore entity and re-read by every instance on an interval, for the plugin's
 * `keyring` option: rotating keys (`gaes-keys rotate`) then reaches every running instance without a
 * redeploy, and no session is rejected on the way (see `lifecycle.ts`).
 *
 * @example
 * const keyring = await DatastoreKeyRing.open({ datastore, masterSecret: process.env.GAES_MASTER_SECRET });
 * await app.register(gaeSessions, { keyring, datastore });
 */
export class DatastoreKeyRing {
  readonly #loc: KeyRingLocation;
  readonly #master: MasterKey;
  readonly #now: () => number;
  readonly #onRefreshError: (err: unknown) => void;
  readonly #dataKeys = new Map<string, Buffer>();
  #stored: StoredRing;
  #ring: KeyRing | undefined;
  #ringValidUntil = 0;
  #timer: NodeJS.Timeout | undefined;

  private constructor(loc: KeyRingLocation, master: MasterKey, stored: StoredRing, options: DatastoreKeyRingOptions) {
    this.#loc = loc;
    this.#master = master;
    this.#stored = stored;
    this.#now = options.now ?? Date.now;
    this.#onRefreshError = options.onRefreshError ?? (() => undefined);
    this.#unwrapAll();
  }

  /**
   * Reads the ring (creating it with a first key when missing) and starts refreshing it.
   * @throws {ConfigError} when the refresh interval is not shorter than the ring's propagation window.
   */
  static async open(options: DatastoreKeyRingOptions): Promise<DatastoreKeyRing> {
    const master = masterKeyFrom(options.masterSecret);
    const now = options.now ?? Date.now;
    const refreshMs = parseDuration(options.refreshInterval ?? '60s', '`refreshInterval`');
    let stored = await readRing(options);
    if (stored === undefined) {
      if (options.createIfMissing === false) throw new ConfigError('the key ring does not exist: run `gaes-keys rotate` to create it');
      const policy = newRingPolicy(options, (option) => `\`${option}\``);
      stored = await updateRing(options, now(), (current) => {
        if (current !== undefined) return { ring: undefined, result: current };
        const created: StoredRing = { keys: [{ ...createStoredKey(master, now()), bootstrap: true }], policy };
        return { ring: created, result: created };
      });
    }
    if (refreshMs >= stored.policy.propagationMs) {
      throw new ConfigError(
        `\`refreshInterval\` (${refreshMs} ms) must be shorter than the ring's propagation window (${stored.policy.propagationMs} ms), ` +
          'or an instance could see a cookie sealed with a key it has not loaded yet',
      );
    }
    const source = new DatastoreKeyRing(options, master, stored, options);
    if (refreshMs > 0) {
      source.#timer = setInterval(() => {
        source.refresh().catch((err: unknown) => source.#onRefreshError(err));
      }, refreshMs);
      source.#timer.unref();
    }
    return source;
  }

  /** Re-reads the ring now. */
  async refresh(): Promise<void> {
    const stored = await readRing(this.#loc);
    if (stored === undefined) throw new ConfigError('the key ring entity disappeared; keeping the last one');
    this.#stored = stored;
    this.#unwrapAll();
    this.#ring = undefined;
  }

  /** The ring to seal and open with now: the primary key seals; staged, previous and expired keys open. */
  current(): KeyRing {
    const now = this.#now();
    if (this.#ring !== undefined && now < this.#ringValidUntil) return this.#ring;
    const statuses = classifyKeys(this.#stored.keys, this.#stored.policy, now);
    const ordered = statuses.map((s) => this.#dataKeys.get(s.id)).filter((k): k is Buffer => k !== undefined);
    this.#ring = new KeyRing(ordered);
    // Roles change only when a staged key becomes active or a key expires: recompute then.
    const upcoming = statuses.flatMap((s) => [s.role === 'staged' ? s.activeAtMs : Infinity, s.removableAtMs ?? Infinity]).filter((t) => t > now);
    this.#ringValidUntil = Math.min(...upcoming, now + 60_000);
    return this.#ring;
  }

  /** Each key's role now (never the key material). */
  status(): KeyStatus[] {
    return classifyKeys(this.#stored.keys, this.#stored.policy, this.#now());
  }

  /** Stops refreshing. */
  close(): void {
    clearInterval(this.#timer);
  }

  #unwrapAll(): void {
    for (const key of this.#stored.keys) {
      if (!this.#dataKeys.has(key.id)) this.#dataKeys.set(key.id, unwrapKey(this.#master, key.id, key.wrapped));
    }
  }
}
