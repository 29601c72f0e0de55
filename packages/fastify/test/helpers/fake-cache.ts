import { EventEmitter } from 'node:events';
import { Keyv } from 'keyv';

/**
 * How the fake cache behaves: `up`; `down` (every call rejects, like memjs); `swallow` (every call emits
 * `error` and resolves as if nothing happened, like @keyv/redis); `hang` (calls never settle until
 * {@link FakeCacheAdapter.release}).
 */
export type FakeMode = 'up' | 'down' | 'swallow' | 'hang';

/**
 * How released hung calls end: a late success (the default), or a late failure — an `error` event and a
 * resolved "nothing happened" value (`style: 'event'`, like @keyv/redis after a dropped socket), or a
 * rejection (`style: 'reject'`, like memjs; Keyv turns it into an `error` event).
 */
export interface LateOutcome {
  readonly fail?: boolean;
  /** @default 'event' */
  readonly style?: 'event' | 'reject';
}

/**
 * A Keyv 6 storage adapter in memory whose failures are scripted, for tests that must not depend on
 * timing or on a real server.
 */
export class FakeCacheAdapter extends EventEmitter {
  readonly data = new Map<string, { value: unknown; expires: number | undefined }>();
  mode: FakeMode = 'up';
  /** Values larger than this (as stored, after Keyv's serializer) are refused with memcached's message. */
  maxValueBytes = Number.POSITIVE_INFINITY;
  /** Keys whose calls fail (in `swallow` style) even when the mode is `up`. */
  readonly failingKeys = new Set<string>();
  /** Every `set`: key, stored value, absolute expiry. */
  readonly sets: Array<{ key: string; value: unknown; expires: number | undefined }> = [];
  /** How many released hung calls ended in a late failure. */
  lateFailures = 0;
  readonly #hung: Array<(outcome: LateOutcome) => void> = [];
  #releaseOnNextCall: LateOutcome | undefined;
  namespace: string | undefined;

  get capabilities(): { compatible: true; store: 'keyvStorage'; expires: true } {
    return { compatible: true, store: 'keyvStorage', expires: true };
  }

  /** Lets every hung call finish now, as `outcome` says (by default as a late success). */
  release(outcome: LateOutcome = {}): void {
    for (const resume of this.#hung.splice(0)) resume(outcome);
  }

  /**
   * Releases the hung calls when the next call starts, so their late outcomes arrive while that call is
   * still running (it finishes a turn of the event loop later): a late error must not be charged to it.
   */
  releaseOnNextCall(outcome: LateOutcome = {}): void {
    this.#releaseOnNextCall = outcome;
  }

  get hungCalls(): number {
    return this.#hung.length;
  }

  async #gate<T>(key: string, op: () => T, failed: T): Promise<T> {
    const pending = this.#releaseOnNextCall;
    if (pending !== undefined && this.mode !== 'hang') {
      this.#releaseOnNextCall = undefined;
      this.release(pending);
    }
    // A turn of the event loop, so concurrent calls interleave as they do over a socket.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.mode === 'hang') {
      const outcome = await new Promise<LateOutcome>((resolve) => this.#hung.push(resolve));
      if (outcome.fail !== true) return op();
      this.lateFailures++;
      if (outcome.style === 'reject') throw new Error(`late failure: connection reset (fake cache, ${key})`);
      this.emit('error', new Error(`late failure: socket closed (fake cache, ${key})`));
      return failed;
    }
    if (this.mode === 'down') throw new Error(`connect ECONNREFUSED (fake cache, ${key})`);
    if (this.mode === 'swallow' || this.failingKeys.has(key)) {
      this.emit('error', new Error(`Socket closed unexpectedly (fake cache, ${key})`));
      return failed;
    }
    return op();
  }

  async get(key: string): Promise<unknown> {
    return this.#gate(
      key,
      () => {
        const entry = this.data.get(key);
        if (entry === undefined) return undefined;
        if (entry.expires !== undefined && Date.now() > entry.expires) {
          this.data.delete(key);
          return undefined;
        }
        return entry.value;
      },
      undefined,
    );
  }

  async set(key: string, value: unknown, expires?: number): Promise<boolean> {
    return this.#gate(
      key,
      () => {
        const size = typeof value === 'string' ? Buffer.byteLength(value) : 0;
        if (size > this.maxValueBytes) throw new Error('MemJS SET: Value too large');
        this.sets.push({ key, value, expires });
        this.data.set(key, { value, expires });
        return true;
      },
      true,
    );
  }

  async delete(key: string): Promise<boolean> {
    return this.#gate(key, () => this.data.delete(key), false);
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async getMany(keys: string[]): Promise<unknown[]> {
    return Promise.all(keys.map((k) => this.get(k)));
  }

  async setMany(entries: Array<{ key: string; value: unknown; expires?: number }>): Promise<boolean[]> {
    return Promise.all(entries.map((e) => this.set(e.key, e.value, e.expires)));
  }

  async deleteMany(keys: string[]): Promise<boolean[]> {
    return Promise.all(keys.map((k) => this.delete(k)));
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    return Promise.all(keys.map((k) => this.has(k)));
  }

  async clear(): Promise<void> {
    this.data.clear();
  }

  async disconnect(): Promise<void> {}
}

/** A Keyv over a fresh {@link FakeCacheAdapter}. */
export function fakeCache(): { keyv: Keyv; adapter: FakeCacheAdapter } {
  const adapter = new FakeCacheAdapter();
  return { keyv: new Keyv({ store: adapter }), adapter };
}
