import {
  isVersionedStore,
  StoreRejectedError,
  StoreUnavailableError,
  type SessionRecord,
  type SessionStore,
  type VersionedSessionStore,
} from '@gaes/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { CircuitOpenError } from './breaker.ts';
import { frameCacheValue, unframeCacheValue } from './cache-frame.ts';
import { CacheGuards, expiryOf } from './cache-guards.ts';
import type { StoreLogger } from './keyv-store.ts';

/** Where a server-side session was found or written. */
export type ServerTier = 'cache' | 'datastore';

/** How records become stored bytes and back (sealing binds each record to its id). */
export interface RecordCodec {
  seal(id: string, record: SessionRecord): Uint8Array;
  /** The record, or `undefined` when the bytes do not open for this id (other key, tampering, other id). */
  open(id: string, sealed: Uint8Array): SessionRecord | undefined;
}

/** A session read from a server-side tier. */
export interface StoredSession {
  readonly record: SessionRecord;
  /** The durable store's version of it (for a conditional write), when known. */
  readonly version: string | undefined;
  readonly tier: ServerTier;
}

/** What a save was based on: the version and revision this request loaded. */
export interface SaveBase {
  readonly version: string | undefined;
  readonly rev: number;
}

/**
 * Replays this request's changes onto a newer stored record (another request saved meanwhile); returns the
 * record to write, or `undefined` to drop this request's changes (the newer record is read-only: an id
 * replaced by `regenerateId()`).
 */
export type Rebase = (latest: SessionRecord) => SessionRecord | undefined;

/** What a save did. */
export type SaveOutcome =
  | { readonly saved: true; readonly tier: ServerTier; readonly record: SessionRecord }
  | { readonly saved: false; readonly reason: 'ended' | 'read-only' };

/** Options of one save. */
export interface SaveOptions {
  /** Write to the durable tier (`false`: the cache alone, the original's "quick" writes). */
  readonly durable: boolean;
  /** The loaded version, for an existing session (`undefined`: a new session or a new id). */
  readonly base: SaveBase | undefined;
  readonly rebase: Rebase;
}

/** Dependencies of a {@link ServerStore}. */
export interface ServerStoreOptions {
  /** A cache every instance shares (Redis, Memcached), or `undefined` when there is none to rely on. */
  readonly cache: SessionStore | undefined;
  readonly durable: SessionStore | undefined;
  readonly codec: RecordCodec;
  readonly log: StoreLogger;
}

/** Conditional writes retried on contention at most this many times, with a jittered wait between. */
const MAX_WRITE_ATTEMPTS = 10;
const MAX_CONTENTION_WAIT_MS = 40;

/**
 * The server-side tiers: a shared cache in front of an optional durable store (Datastore), with the rules
 * that keep every instance of the app consistent:
 *
 * - **Reads**: the cache, unless its copy is older than the revision the client's cookie names (a cache
 *   that missed writes while it was unreachable is never trusted over the client); then the durable store,
 *   which refills the cache. A per-process cache is never used for sessions when a durable store exists
 *   (the plugin passes no cache then): other instances could not see its writes.
 * - **Durable writes** go to the durable store first, conditionally on the version the request loaded; when
 *   another request saved meanwhile, the newer record is read and this request's changes are replayed onto
 *   it (per key; a bounded number of attempts). A deleted record means the session ended: the changes are
 *   dropped. Then the cache is written.
 * - **Quick writes** go to the cache alone, replayed onto its newer copy when there is one; if the cache
 *   fails they are written durably instead.
 * - **Ending** a session leaves a tombstone in the cache (until the id expires) before the copies are
 *   deleted; a save of an existing session checks for it after writing the cache and undoes itself, so a
 *   request that loaded the session before another one ended it cannot bring it back. A merged write leaves
 *   a fence: a writer whose older cache write lands after the merged one sees it and drops its entry.
 */
export class ServerStore {
  readonly cache: SessionStore | undefined;
  readonly durable: SessionStore | undefined;
  readonly #versioned: VersionedSessionStore | undefined;
  readonly #codec: RecordCodec;
  /** Tombstones and fences, kept in the cache beside the sessions. */
  readonly #guards: CacheGuards | undefined;
  readonly #log: StoreLogger;
  /** Ids the cache refused as too large, already reported. */
  readonly #refused = new Set<string>();
  /**
   * Saves of one id in this process, chained: parallel requests of one browser landing on this instance
   * replay their changes one after another instead of contending (and a cache-only save's
   * read-replay-write never interleaves with another's). Other instances are met by conditional writes.
   */
  readonly #cacheSaves = new Map<string, Promise<unknown>>();

  constructor(options: ServerStoreOptions) {
    this.cache = options.cache;
    this.durable = options.durable;
    this.#versioned = options.durable !== undefined && isVersionedStore(options.durable) ? options.durable : undefined;
    this.#codec = options.codec;
    this.#guards = options.cache === undefined ? undefined : new CacheGuards(options.cache);
    this.#log = options.log;
  }

  /**
   * The session `id` at revision `minRev` or newer if the cache has it, else whatever the durable store has.
   * @returns `undefined` when no tier has it, `'unreadable'` when a copy does not open
   * @throws {StoreUnavailableError} when no tier can answer
   */
  async load(id: string, minRev: number): Promise<StoredSession | 'unreadable' | undefined> {
    let cacheFailed = false;
    let unreadable = false;
    if (this.cache !== undefined) {
      try {
        const cached = await this.#readCache(id);
        if (cached === 'unreadable') unreadable = true;
        else if (cached !== undefined && cached.record.rev >= minRev) return cached;
      } catch (err) {
        if (this.durable === undefined) throw err;
        cacheFailed = true;
        if (!(err instanceof CircuitOpenError)) this.#log.warn({ err }, 'gaes: session cache read failed; reading Datastore');
      }
    }
    if (this.durable === undefined) return unreadable ? 'unreadable' : undefined;
    const found = this.#versioned !== undefined ? await this.#versioned.read(id) : await this.#readUnversioned(id);
    if (found === undefined) return undefined;
    const record = this.#codec.open(id, found.value);
    if (record === undefined) return 'unreadable';
    if (!cacheFailed) await this.#refill(id, found.value, found.version);
    return { record, version: found.version, tier: 'datastore' };
  }

  /**
   * Stores `record` (already at its new revision) for session `id` until `expiresAtMs`.
   * @throws {StoreUnavailableError} when a needed tier fails, or when other requests keep winning the write
   */
  async save(id: string, record: SessionRecord, expiresAtMs: number, options: SaveOptions): Promise<SaveOutcome> {
    return this.#serialized(id, () => this.#save(id, record, expiresAtMs, options));
  }

  async #save(id: string, record: SessionRecord, expiresAtMs: number, options: SaveOptions): Promise<SaveOutcome> {
    if (this.durable === undefined || !options.durable) {
      if (this.cache !== undefined) {
        try {
          return await this.#saveToCache(id, record, expiresAtMs, options);
        } catch (err) {
          if (this.durable === undefined) throw err;
          if (!(err instanceof CircuitOpenError)) this.#log.warn({ err }, 'gaes: session cache write failed; writing Datastore instead');
        }
      } else if (this.durable === undefined) {
        throw new StoreUnavailableError('no server-side store is configured');
      }
    }
    try {
      return await this.#saveDurably(id, record, expiresAtMs, options);
    } catch (err) {
      // A brand-new session has nothing to lose yet: while Datastore is down it lives in the shared cache
      // alone, and its next save after Datastore is back writes it durably. An existing session's change
      // is not acknowledged without Datastore (a 503).
      if (options.base !== undefined || this.cache === undefined || !(err instanceof StoreUnavailableError)) throw err;
      if (!(err instanceof CircuitOpenError)) this.#log.warn({ err }, 'gaes: Datastore unavailable; a new session is kept in the cache until its next save');
      await this.cache.set(id, frameCacheValue(this.#codec.seal(id, record), undefined), expiresAtMs);
      return { saved: true, tier: 'cache', record };
    }
  }

  /** Ends a session for good: a tombstone first (until the id expires), then every copy is deleted. */
  async end(id: string): Promise<void> {
    if (this.cache !== undefined) {
      try {
        await (this.#guards as CacheGuards).markEnded(id);
      } catch (err) {
        if (this.durable === undefined) throw err;
        if (!(err instanceof CircuitOpenError)) this.#log.warn({ err }, 'gaes: could not mark an ended session in the cache');
      }
    }
    await this.discard(id);
  }

  /**
   * Deletes every copy of a session (it moved into cookies, or expired).
   * @throws {StoreUnavailableError} when a copy could not be deleted: a cache entry that outlived the delete
   * would let the old cookie back in, so the request fails rather than pretend the session ended
   */
  async discard(id: string): Promise<void> {
    const [cacheResult, durableResult] = await Promise.allSettled([
      this.cache?.delete(id),
      this.durable?.delete(id),
    ]);
    if (durableResult.status === 'rejected') throw durableResult.reason;
    if (cacheResult.status === 'rejected') {
      if (this.durable === undefined) throw cacheResult.reason;
      throw new StoreUnavailableError('session cache delete failed', { cause: cacheResult.reason });
    }
  }

  /**
   * Replaces session `id` (given a new id by `regenerateId()`) with its read-only last state, kept until
   * `record.successor.untilMs` (the grace period). Requests still carrying the old id are answered from it.
   */
  async supersede(id: string, record: SessionRecord): Promise<void> {
    const untilMs = record.successor?.untilMs ?? 0;
    const sealed = this.#codec.seal(id, record);
    let version: string | undefined;
    if (this.durable !== undefined) {
      if (this.#versioned !== undefined) {
        const written = await this.#versioned.write(id, sealed, untilMs);
        version = written.written ? written.version : undefined;
      } else {
        await this.durable.set(id, sealed, untilMs);
      }
    }
    if (this.cache === undefined) return;
    try {
      await this.cache.set(id, frameCacheValue(sealed, version), untilMs);
    } catch (err) {
      if (this.durable === undefined) throw err;
      // The durable copy is superseded; a stale cache entry is caught by the revision in the new cookie for
      // its holder, and serves the old id only its own old state.
      this.#log.warn({ err }, 'gaes: could not mark a replaced session id in the cache');
      await this.cache.delete(id).catch(() => undefined);
    }
  }

  /** Runs `task` after every earlier save of `id` in this process has finished. */
  async #serialized<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#cacheSaves.get(id);
    const run = previous === undefined ? task() : previous.then(task, task);
    this.#cacheSaves.set(id, run);
    try {
      return await run;
    } finally {
      if (this.#cacheSaves.get(id) === run) this.#cacheSaves.delete(id);
    }
  }

  async #readCache(id: string): Promise<StoredSession | 'unreadable' | undefined> {
    const value = await (this.cache as SessionStore).get(id);
    if (value === undefined) return undefined;
    const framed = unframeCacheValue(value);
    const record = framed === undefined ? undefined : this.#codec.open(id, framed.sealed);
    if (framed === undefined || record === undefined) return 'unreadable';
    return { record, version: framed.version, tier: 'cache' };
  }

  async #readUnversioned(id: string): Promise<{ value: Uint8Array; version: undefined } | undefined> {
    const value = await (this.durable as SessionStore).get(id);
    return value === undefined ? undefined : { value, version: undefined };
  }

  async #refill(id: string, sealed: Uint8Array, version: string | undefined): Promise<void> {
    if (this.cache === undefined) return;
    await this.cache.set(id, frameCacheValue(sealed, version), expiryOf(id)).catch((err: unknown) => {
      if (err instanceof CircuitOpenError) return;
      // A session the cache refuses (too large) would warn on every read: say it once per id.
      if (err instanceof StoreRejectedError) {
        if (this.#refused.has(id)) return;
        if (this.#refused.size >= 10_000) this.#refused.clear();
        this.#refused.add(id);
      }
      this.#log.warn({ err }, 'gaes: could not refill the session cache');
    });
  }

  async #saveToCache(id: string, record: SessionRecord, expiresAtMs: number, options: SaveOptions): Promise<SaveOutcome> {
    const cache = this.cache as SessionStore;
    let toWrite = record;
    let version = options.base?.version;
    if (options.base !== undefined) {
      // Another request may have saved since this one loaded: replay onto its copy.
      const current = await this.#readCache(id);
      if (current !== undefined && current !== 'unreadable' && current.record.rev !== options.base.rev) {
        const rebased = options.rebase(current.record);
        if (rebased === undefined) return { saved: false, reason: 'read-only' };
        toWrite = rebased;
        version = current.version;
      }
    }
    await cache.set(id, frameCacheValue(this.#codec.seal(id, toWrite), version), expiresAtMs);
    if (options.base !== undefined && (await (this.#guards as CacheGuards).endedSince(id, toWrite.rev))) {
      await this.discard(id).catch(() => cache.delete(id));
      return { saved: false, reason: 'ended' };
    }
    return { saved: true, tier: 'cache', record: toWrite };
  }

  async #saveDurably(id: string, record: SessionRecord, expiresAtMs: number, options: SaveOptions): Promise<SaveOutcome> {
    const durable = this.durable as SessionStore;
    let toWrite = record;
    let sealed = this.#codec.seal(id, toWrite);
    let version: string | undefined;
    let merged = false;
    if (this.#versioned === undefined) {
      await durable.set(id, sealed, expiresAtMs);
    } else {
      let basedOn = options.base?.version;
      for (let attempt = 1; ; attempt++) {
        const written = await this.#versioned.write(id, sealed, expiresAtMs, basedOn);
        if (written.written) {
          version = written.version;
          break;
        }
        if (attempt >= MAX_WRITE_ATTEMPTS) {
          throw new StoreUnavailableError(`session save lost to other requests ${attempt} times in a row; try again`);
        }
        if (attempt > 1) await sleep(Math.random() * Math.min(MAX_CONTENTION_WAIT_MS, 2 ** attempt));
        const latest = await this.#versioned.read(id);
        const latestRecord = latest === undefined ? undefined : this.#codec.open(id, latest.value);
        if (latest === undefined || latestRecord === undefined) return { saved: false, reason: 'ended' };
        const rebased = options.rebase(latestRecord);
        if (rebased === undefined) return { saved: false, reason: 'read-only' };
        toWrite = rebased;
        sealed = this.#codec.seal(id, toWrite);
        basedOn = latest.version;
        merged = true;
      }
    }
    if (this.cache !== undefined && (await this.#writeCacheAfterDurable(id, sealed, version, toWrite.rev, expiresAtMs, merged, options))) {
      return { saved: false, reason: 'ended' };
    }
    return { saved: true, tier: 'datastore', record: toWrite };
  }

  /**
   * Writes the cache after a durable write; `true` when the session turned out to have been ended meanwhile
   * (the write was undone).
   */
  async #writeCacheAfterDurable(
    id: string,
    sealed: Uint8Array,
    version: string | undefined,
    rev: number,
    expiresAtMs: number,
    merged: boolean,
    options: SaveOptions,
  ): Promise<boolean> {
    const cache = this.cache as SessionStore;
    try {
      if (merged) await (this.#guards as CacheGuards).fence(id, rev, expiresAtMs);
      await cache.set(id, frameCacheValue(sealed, version), expiresAtMs);
    } catch (err) {
      if (!(err instanceof CircuitOpenError)) this.#log.warn({ err }, 'gaes: session cache write failed; the session is stored in Datastore');
      // An older entry left in the cache is older than the revision the new cookie names, so its client
      // is never served it; deleting it spares the next reader a wasted read.
      await cache.delete(id).catch(() => undefined);
      return false;
    }
    if (options.base === undefined || !(await (this.#guards as CacheGuards).endedSince(id, rev))) return false;
    // Ended by another request after this one's durable write: undo it.
    await this.discard(id);
    return true;
  }
}
