import { Buffer } from 'node:buffer';
import { StoreUnavailableError, type SessionStore } from '@gaes/core';
import type { Keyv } from 'keyv';

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
}

/**
 * The cache tier: a {@link SessionStore} over any Keyv instance (in-memory, Redis, Memcached).
 * Every failure, including Keyv `error` events and slow calls, becomes a {@link StoreUnavailableError}.
 */
export class KeyvSessionStore implements SessionStore {
  readonly keyv: Keyv;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  #lastError: unknown;

  constructor(keyv: Keyv, options: KeyvStoreOptions = {}) {
    this.keyv = keyv;
    this.#prefix = options.keyPrefix ?? 'gaes:';
    this.#timeoutMs = options.timeoutMs ?? 1000;
    // Keyv reports adapter errors as events; an unheard 'error' event would crash the process.
    keyv.on('error', (err: unknown) => {
      this.#lastError = err;
    });
  }

  async get(id: string): Promise<Uint8Array | undefined> {
    const value: unknown = await this.#call('get', () => this.keyv.get(this.#prefix + id));
    if (value === undefined || value === null) return undefined;
    if (value instanceof Uint8Array) return value;
    if (typeof value === 'string') return Buffer.from(value, 'base64');
    return undefined;
  }

  async set(id: string, value: Uint8Array, expiresAtMs: number): Promise<void> {
    const ttlMs = Math.max(1, expiresAtMs - Date.now());
    const ok: unknown = await this.#call('set', () => this.keyv.set(this.#prefix + id, Buffer.from(value), ttlMs));
    if (ok === false) throw new StoreUnavailableError('cache refused the session', { cause: this.#lastError });
  }

  async delete(id: string): Promise<void> {
    await this.#call('delete', () => this.keyv.delete(this.#prefix + id));
  }

  async #call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    this.#lastError = undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`cache ${op} took longer than ${this.#timeoutMs} ms`)), this.#timeoutMs);
        }),
      ]);
      // Some adapters report a failure only as an 'error' event and resolve with `undefined`.
      if (this.#lastError !== undefined) throw this.#lastError;
      return result;
    } catch (cause) {
      throw new StoreUnavailableError(`session cache ${op} failed`, { cause });
    } finally {
      clearTimeout(timer);
    }
  }
}
