import { Buffer } from 'node:buffer';
import { GaesError, StoreRejectedError, StoreUnavailableError, type SessionStore } from '@gaes/core';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Keyv } from 'keyv';
import { Watchdog } from './watchdog.ts';

/** How the cache tier reports trouble that did not fail the request. */
export interface StoreLogger {
  warn(obj: object, msg: string): void;
}

/** Options of {@link KeyvSessionStore}. */
export interface KeyvStoreOptions {
  /** Prefix of every key, so sessions never collide with the app's own cache entries. @default 'gaes:' */
  readonly keyPrefix?: string;
  /** A cache call slower than this fails with {@link StoreUnavailableError}. @default 1000 */
  readonly timeoutMs?: number;
  /**
   * Longest time to live given to the cache; a longer one is cut to it (the entry then leaves the cache
   * before the session ends and is read from Datastore again).
   * @default 30 days with `@keyv/memcache` (Memcached reads a longer TTL as a date in 1970 and drops the
   * value at once), unlimited otherwise
   */
  readonly maxTtlMs?: number;
  /** Where errors that belong to no call (reconnect attempts, dropped sockets) go, at most one line per 10 s. @default not logged */
  readonly log?: StoreLogger;
  /** The clock, in ms since the epoch; TTLs are `expiresAtMs - now()`. @default Date.now */
  readonly now?: () => number;
}

/** Memcached's largest relative expiry; a larger number of seconds is read as a Unix time. */
export const MEMCACHED_MAX_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const BACKGROUND_LOG_INTERVAL_MS = 10_000;
// Messages servers give for a value over their item size (memcached: "Value too large",
// "object too large for cache"; Redis: "string exceeds maximum allowed size").
const TOO_LARGE = /too large|too big|exceeds maximum|E2BIG/i;

/** The state of one cache call, found again through async context when Keyv emits `error`. */
interface CallState {
  failed: boolean;
  error: unknown;
  done: boolean;
}

// Keyv (and adapters such as @keyv/redis) report most failures only as an `error` event and then resolve
// as if nothing happened (a miss, `true`, `false`). The event carries no key, so each call runs in its own
// async context and the listener charges the error to the call that was running when it was emitted (an
// error of a call that already timed out is charged to nobody else). This costs about 0.5 µs a call on
// Node 24 (a timer per call cost three times that: deadlines share one timer, see `Watchdog`).
const calls = new AsyncLocalStorage<CallState>();
const backgroundSinks = new WeakMap<Keyv, Set<(err: unknown) => void>>();

function listen(keyv: Keyv, sink: (err: unknown) => void): void {
  let sinks = backgroundSinks.get(keyv);
  if (sinks === undefined) {
    const created = new Set<(err: unknown) => void>();
    sinks = created;
    backgroundSinks.set(keyv, created);
    // An `error` event nobody listens to throws inside the emitter (Keyv's `throwOnEmptyListeners`),
    // which from a socket callback would crash the process: one listener per Keyv, for its lifetime.
    keyv.on('error', (err: unknown) => {
      const call = calls.getStore();
      if (call !== undefined && !call.done) {
        if (!call.failed) {
          call.failed = true;
          call.error = err;
        }
        return;
      }
      for (const each of created) each(err);
    });
  }
  sinks.add(sink);
}

/** One timer for the deadlines of every cache call (see `Watchdog`). */
const deadlines = new Watchdog(25);

/** Whether `keyv` stores through `@keyv/memcache` (directly or behind Keyv's bridge adapter). */
function usesMemcache(keyv: Keyv): boolean {
  let store: unknown = keyv.store;
  for (let depth = 0; depth < 3 && typeof store === 'object' && store !== null; depth++) {
    const client = (store as { client?: { servers?: unknown; flush?: unknown } }).client;
    if (store.constructor.name === 'KeyvMemcache' || (Array.isArray(client?.servers) && typeof client.flush === 'function')) {
      return true;
    }
    store = (store as { store?: unknown }).store;
  }
  return false;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Sealed bytes from whatever the Keyv serializer gave back; `undefined` for anything else. */
function toBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  // A serializer without binary support: a base64 string, or Buffer#toJSON's shape.
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  if (typeof value === 'object' && value !== null) {
    const { type, data } = value as { type?: unknown; data?: unknown };
    if (type === 'Buffer' && Array.isArray(data)) return Buffer.from(data as number[]);
  }
  return undefined;
}

function toBase64(value: Uint8Array): string {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
}

/**
 * The cache tier: a {@link SessionStore} over any Keyv instance (in-memory, `@keyv/redis`, `@keyv/memcache`).
 *
 * - Every failure, whether thrown, reported only as a Keyv `error` event, or slower than `timeoutMs`,
 *   becomes a {@link StoreUnavailableError}; a value the server refuses as too large becomes a
 *   {@link StoreRejectedError} whose message says so. Nothing is emitted unheard.
 * - Keys are `keyPrefix + id` (inside the Keyv instance's own namespace, if it has one).
 * - The TTL is the time left until `expiresAtMs`, rounded up to whole seconds (Memcached counts seconds);
 *   an already expired session is deleted instead of written.
 * - Values go to Keyv as base64 strings, so every byte round-trips on every adapter (a value takes 4/3 of its
 *   size in the cache, as Keyv's own encoding of a Buffer would make it) and Keyv's serializer only copies a
 *   string: converting bytes itself, in JavaScript, cost more than the rest of a cache read. Values written
 *   as Buffers (by earlier versions) still read.
 *
 * @example
 * const store = new KeyvSessionStore(new Keyv(new KeyvRedis('redis://10.0.0.3:6379')), { timeoutMs: 500 });
 */
export class KeyvSessionStore implements SessionStore {
  readonly keyv: Keyv;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #maxTtlMs: number;
  readonly #log: StoreLogger | undefined;
  readonly #now: () => number;
  /** The smallest value the server refused as too large: larger ones are not sent again. */
  #refusedBytes = Number.POSITIVE_INFINITY;
  #lastBackgroundLogMs = Number.NEGATIVE_INFINITY;
  #suppressed = 0;

  constructor(keyv: Keyv, options: KeyvStoreOptions = {}) {
    this.keyv = keyv;
    this.#prefix = options.keyPrefix ?? 'gaes:';
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#maxTtlMs = options.maxTtlMs ?? (usesMemcache(keyv) ? MEMCACHED_MAX_TTL_MS : Number.POSITIVE_INFINITY);
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    listen(keyv, (err) => this.#background(err));
  }

  /** @throws {StoreUnavailableError} when the cache fails or is slower than `timeoutMs`. */
  async get(id: string): Promise<Uint8Array | undefined> {
    const value: unknown = await this.#call('get', 0, () => this.keyv.get(this.#prefix + id));
    return value === undefined || value === null ? undefined : toBytes(value);
  }

  /**
   * Caches `value` until `expiresAtMs`.
   * @throws {StoreRejectedError} when the server refuses the value as too large (e.g. over memcached's `-I`).
   * @throws {StoreUnavailableError} when the cache fails or is slower than `timeoutMs`.
   */
  async set(id: string, value: Uint8Array, expiresAtMs: number): Promise<void> {
    const remainingMs = expiresAtMs - this.#now();
    if (!(remainingMs > 0)) {
      await this.delete(id);
      return;
    }
    if (value.byteLength >= this.#refusedBytes) {
      throw this.#tooLarge(value.byteLength, `the cache refused ${this.#refusedBytes} bytes before`, undefined);
    }
    const ttlMs = Math.min(Math.ceil(remainingMs / 1000) * 1000, this.#maxTtlMs);
    const ok: unknown = await this.#call('set', value.byteLength, () => this.keyv.set(this.#prefix + id, toBase64(value), ttlMs));
    if (ok === false) throw new StoreUnavailableError('session cache refused the value (Keyv set returned false)');
  }

  /** Removes `id` (no error when absent). @throws {StoreUnavailableError} when the cache fails. */
  async delete(id: string): Promise<void> {
    await this.#call('delete', 0, () => this.keyv.delete(this.#prefix + id));
  }

  #call<T>(op: 'get' | 'set' | 'delete', sizeBytes: number, fn: () => Promise<T>): Promise<T> {
    const state: CallState = { failed: false, error: undefined, done: false };
    return new Promise<T>((resolve, reject) => {
      const finish = (): boolean => {
        if (state.done) return false;
        state.done = true;
        deadlines.remove(deadline);
        return true;
      };
      const deadline = deadlines.watch(this.#timeoutMs, () => {
        // The call may still settle later; its outcome no longer matters.
        if (finish()) reject(new StoreUnavailableError(`session cache ${op} took longer than ${this.#timeoutMs} ms (cacheTimeout)`));
      });
      let pending: Promise<T>;
      try {
        pending = calls.run(state, fn);
      } catch (err) {
        pending = Promise.reject(err);
      }
      pending.then(
        (result) => {
          if (!finish()) return;
          if (state.failed) reject(this.#failure(op, sizeBytes, state.error));
          else resolve(result);
        },
        (err: unknown) => {
          if (finish()) reject(err instanceof GaesError ? err : this.#failure(op, sizeBytes, err));
        },
      );
    });
  }

  #failure(op: string, sizeBytes: number, cause: unknown): GaesError {
    const message = messageOf(cause);
    if (op === 'set' && TOO_LARGE.test(message)) {
      this.#refusedBytes = Math.min(this.#refusedBytes, sizeBytes);
      return this.#tooLarge(sizeBytes, `"${message}"`, cause);
    }
    // The message stays vague (it can reach a 503 body); the cause says what happened, for the logs.
    return new StoreUnavailableError(`session cache ${op} failed`, { cause });
  }

  #tooLarge(sizeBytes: number, why: string, cause: unknown): StoreRejectedError {
    return new StoreRejectedError(
      `session not cached: ${sizeBytes} sealed bytes are too large for the cache (${why}); ` +
        "raise the cache's item size limit (memcached -I, Memorystore's max-item-size) or lower maxSessionBytes",
      cause === undefined ? undefined : { cause },
    );
  }

  #background(err: unknown): void {
    const now = Date.now();
    if (now - this.#lastBackgroundLogMs < BACKGROUND_LOG_INTERVAL_MS) {
      this.#suppressed++;
      return;
    }
    this.#log?.warn({ err, suppressed: this.#suppressed }, 'gaes: session cache connection error');
    this.#lastBackgroundLogMs = now;
    this.#suppressed = 0;
  }
}
