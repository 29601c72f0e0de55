import { parseSessionId, SessionEndedError, StoreUnavailableError, type SessionStore } from '@gaes/core';
import type { StoreLogger } from './keyv-store.ts';

/** Where a server-side value was found. */
export type ServerTier = 'cache' | 'datastore';

/**
 * The server-side tiers: a cache in front of an optional durable store (Datastore).
 *
 * - Reads: cache, then the durable store; a durable hit refills the cache. A cache failure falls
 *   through to the durable store; with no durable store it is a {@link StoreUnavailableError} (503).
 * - Durable writes go to the durable store first, then the cache, so the cache never holds a state the
 *   durable store did not get. A failed cache write is logged and its entry dropped.
 * - Quick writes go to the cache only; if the cache fails they are written durably instead.
 * - When a cache write fails and the cache may still hold an older value (its delete failed too), the id
 *   is read from the durable store until the cache is rewritten, so a cache that comes back (a network
 *   blip, a failover to a replica) never serves a stale session. This holds per process.
 * - Ending a session ({@link end}: terminate, a new id) leaves a small tombstone in the cache until the id
 *   expires, written before the copies are deleted; a save of an existing session checks for it after
 *   writing and undoes itself, so a request that loaded the session before another one ended it cannot
 *   bring it back.
 */
export class TieredStore {
  readonly cache: SessionStore;
  readonly durable: SessionStore | undefined;
  readonly #log: StoreLogger;
  /** Ids whose cache entry may be older than the durable copy, with their expiry. */
  readonly #stale = new Map<string, number>();
  /** Ids the cache refused as too large, already reported. */
  readonly #refused = new Set<string>();

  constructor(cache: SessionStore, durable: SessionStore | undefined, log: StoreLogger) {
    this.cache = cache;
    this.durable = durable;
    this.#log = log;
  }

  async get(id: string): Promise<{ value: Uint8Array; tier: ServerTier } | undefined> {
    let cacheFailed = false;
    try {
      const value = this.#stale.has(id) ? undefined : await this.cache.get(id);
      if (value !== undefined) return { value, tier: 'cache' };
    } catch (err) {
      if (this.durable === undefined) throw err;
      cacheFailed = true;
      this.#log.warn({ err }, 'gaes: session cache read failed; reading Datastore');
    }
    if (this.durable === undefined) return undefined;
    const value = await this.durable.get(id);
    if (value === undefined) return undefined;
    if (!cacheFailed) {
      const expiresAtMs = expiryOf(id);
      await this.cache.set(id, value, expiresAtMs).then(
        () => this.#stale.delete(id),
        (err: unknown) => {
          // A session the cache refuses (too large) would warn on every read: say it once per id.
          if ((err as { code?: unknown }).code === 'ERR_GAES_STORE_REJECTED') {
            if (this.#refused.has(id)) return;
            if (this.#refused.size >= 10_000) this.#refused.clear();
            this.#refused.add(id);
          }
          this.#log.warn({ err }, 'gaes: could not refill the session cache');
        },
      );
    }
    return { value, tier: 'datastore' };
  }

  /**
   * Stores a session. With `existing` (the id was loaded, so another request may have ended it meanwhile),
   * checks for a tombstone after writing and, if one is there, deletes what it wrote.
   * @throws {SessionEndedError} when the session was ended by another request.
   */
  async set(id: string, value: Uint8Array, expiresAtMs: number, durable: boolean, existing = false): Promise<ServerTier> {
    const tier = await this.#write(id, value, expiresAtMs, durable);
    if (existing && (await this.#isEnded(id))) {
      await this.delete(id);
      throw new SessionEndedError();
    }
    return tier;
  }

  /** Ends a session for good: a tombstone first (until the id expires), then the copies are deleted. */
  async end(id: string): Promise<void> {
    try {
      await this.cache.set(ENDED + id, TOMBSTONE, expiryOf(id));
    } catch (err) {
      if (this.durable === undefined) throw err;
      this.#log.warn({ err }, 'gaes: could not mark an ended session in the cache');
    }
    await this.delete(id);
  }

  async #isEnded(id: string): Promise<boolean> {
    try {
      return (await this.cache.get(ENDED + id)) !== undefined;
    } catch {
      // The cache cannot tell; the durable write stands (the delete of the ending request still runs).
      return false;
    }
  }

  async #write(id: string, value: Uint8Array, expiresAtMs: number, durable: boolean): Promise<ServerTier> {
    if (this.durable !== undefined && durable) {
      await this.durable.set(id, value, expiresAtMs);
      await this.cache.set(id, value, expiresAtMs).then(
        () => this.#stale.delete(id),
        async (err: unknown) => {
          this.#log.warn({ err }, 'gaes: session cache write failed; the session is stored in Datastore');
          await this.cache.delete(id).then(
            () => this.#stale.delete(id),
            () => this.#markStale(id, expiresAtMs),
          );
        },
      );
      return 'datastore';
    }
    try {
      await this.cache.set(id, value, expiresAtMs);
      this.#stale.delete(id);
      return 'cache';
    } catch (err) {
      if (this.durable === undefined) throw err;
      this.#log.warn({ err }, 'gaes: session cache write failed; writing Datastore instead');
      await this.durable.set(id, value, expiresAtMs);
      this.#markStale(id, expiresAtMs);
      return 'datastore';
    }
  }

  async delete(id: string): Promise<void> {
    const results = await Promise.allSettled([
      this.cache.delete(id),
      this.durable === undefined ? Promise.resolve() : this.durable.delete(id),
    ]);
    const durableResult = results[1];
    if (durableResult?.status === 'rejected') throw durableResult.reason;
    const cacheResult = results[0];
    if (cacheResult?.status === 'fulfilled') this.#stale.delete(id);
    if (cacheResult?.status === 'rejected') {
      if (this.durable === undefined) throw cacheResult.reason;
      // The durable copy is gone, but a cache entry that outlives the delete would let the old
      // cookie back in: the request fails rather than pretend the session ended.
      throw new StoreUnavailableError('session cache delete failed', { cause: cacheResult.reason });
    }
  }

  #markStale(id: string, expiresAtMs: number): void {
    if (this.#stale.size >= MAX_STALE_IDS) {
      const now = Date.now();
      for (const [staleId, expiry] of this.#stale) if (expiry <= now) this.#stale.delete(staleId);
      // Still full: forget the oldest marks rather than grow without bound during a long outage.
      for (const staleId of this.#stale.keys()) {
        if (this.#stale.size < MAX_STALE_IDS) break;
        this.#stale.delete(staleId);
      }
    }
    this.#stale.set(id, expiresAtMs);
  }
}

const MAX_STALE_IDS = 100_000;
/** Cache key prefix of tombstones (session ids never contain ':'). */
const ENDED = 'ended:';
const TOMBSTONE = new Uint8Array([1]);

/** The absolute expiry an id carries (ids reaching the stores were parsed already; 0 means "expired"). */
function expiryOf(id: string): number {
  return parseSessionId(id)?.expiresAtMs ?? 0;
}
