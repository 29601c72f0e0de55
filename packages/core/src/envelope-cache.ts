import type { KeyRing } from './keyring.ts';
import type { SessionEnvelope } from './envelope.ts';

interface Entry {
  readonly ring: KeyRing;
  readonly envelope: SessionEnvelope;
  readonly renew: boolean;
}

/**
 * A bounded cache of opened session cookies, keyed by the exact cookie string, so a browser that sends
 * the same cookie again skips base64 decoding and decryption (about 2 µs). Only cookies that opened
 * with the current key ring are cached (an entry made with another ring misses); expiry is still
 * checked by the caller on every hit, since entries carry the sealed id and activity time, not a verdict.
 * Eviction is first-in, first-out: a hit costs one `Map.get`.
 */
export class EnvelopeCache {
  readonly #max: number;
  readonly #map = new Map<string, Entry>();

  /** @param maxEntries entries kept (0 disables the cache). */
  constructor(maxEntries: number) {
    this.#max = maxEntries;
  }

  get(cookie: string, ring: KeyRing): { envelope: SessionEnvelope; renew: boolean } | undefined {
    if (this.#max === 0) return undefined;
    const entry = this.#map.get(cookie);
    return entry !== undefined && entry.ring === ring ? entry : undefined;
  }

  /** Remembers an opened (or just sealed) cookie; `envelope.data` must not be mutated afterwards. */
  set(cookie: string, ring: KeyRing, envelope: SessionEnvelope, renew: boolean): void {
    if (this.#max === 0) return;
    if (this.#map.size >= this.#max) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
    this.#map.set(cookie, { ring, envelope, renew });
  }

  /** Forgets one cookie (e.g. a session that was terminated). */
  delete(cookie: string): void {
    this.#map.delete(cookie);
  }

  get size(): number {
    return this.#map.size;
  }
}
