import { Buffer } from 'node:buffer';
import type { KeyRing } from './keyring.ts';
import type { SessionEnvelope } from './envelope.ts';

interface Entry {
  readonly cookie: string;
  readonly ring: KeyRing;
  readonly envelope: SessionEnvelope;
  readonly renew: boolean;
  /** The data as text (`data.toString('utf8')`), so a hit decodes it without converting bytes again. */
  readonly text: string | undefined;
}

/** Characters of the cookie's end used as the map key: they hold the seal's authentication tag. */
const KEY_CHARS = 22;

/**
 * A bounded cache of opened session cookies, so a browser that sends the same cookie again skips base64
 * decoding and decryption. Only byte-identical cookies hit: entries are found by the cookie's last 22
 * characters (its authentication tag, unique per seal; hashing a whole 400-character cookie that arrives
 * as a new string each request would cost about as much as decrypting it) and then compared in full.
 * An entry made with another key ring misses. Expiry is still checked by the caller on every hit: entries
 * carry the sealed id and activity time, not a verdict. Eviction is first-in, first-out over a ring of keys,
 * so both a hit and an insert cost O(1); the cache is bounded both in entries and in bytes.
 */
export class EnvelopeCache {
  readonly #max: number;
  readonly #maxBytes: number;
  readonly #map = new Map<string, Entry>();
  readonly #ring: Array<string | undefined>;
  #head = 0;
  #tail = 0;
  #count = 0;
  #bytes = 0;
  /** Tags of cookies decrypted but not kept (see {@link seenBefore}), oldest first. */
  readonly #seen = new Set<string>();

  /**
   * @param maxEntries entries kept (0 disables the cache).
   * @param maxBytes bytes of cookie text and data kept, so large cookie-tier sessions cannot make it big.
   */
  constructor(maxEntries: number, maxBytes = 32 * 1024 * 1024) {
    this.#max = maxEntries;
    this.#maxBytes = maxBytes;
    this.#ring = new Array<string | undefined>(maxEntries);
  }

  get(cookie: string, ring: KeyRing): { envelope: SessionEnvelope; renew: boolean; text: string | undefined } | undefined {
    if (this.#max === 0 || cookie.length < KEY_CHARS) return undefined;
    const entry = this.#map.get(cookie.slice(-KEY_CHARS));
    return entry !== undefined && entry.ring === ring && entry.cookie === cookie ? entry : undefined;
  }

  /**
   * Remembers an opened cookie. The entry keeps its own copy of the cookie text and of the data bytes, never
   * a view into the request (see {@link ownString}); its other strings (the id, the data as text) are decoded
   * from bytes, so they are their own already.
   */
  set(cookie: string, ring: KeyRing, envelope: SessionEnvelope, renew: boolean): void {
    const size = entrySize(cookie, envelope.data);
    if (this.#max === 0 || cookie.length < KEY_CHARS || size > this.#maxBytes / 4) return;
    const previous = this.#map.get(cookie.slice(-KEY_CHARS));
    const own = previous?.cookie === cookie ? previous.cookie : ownString(cookie);
    if (own === undefined) return;
    const entry: Entry = {
      cookie: own,
      ring,
      envelope: { ...envelope, data: ownCopy(envelope.data) },
      renew,
      text: envelope.data?.toString('utf8'),
    };
    // The map key is a slice of the entry's own copy: it pins nothing the entry does not hold already.
    const key = own.slice(-KEY_CHARS);
    if (previous !== undefined) {
      this.#bytes += size - sizeOf(previous);
      this.#map.set(key, entry);
      return;
    }
    while (this.#count > 0 && (this.#count >= this.#max || this.#bytes + size > this.#maxBytes)) this.#evictOldest();
    this.#ring[this.#tail] = key;
    this.#tail = (this.#tail + 1) % this.#max;
    this.#count++;
    this.#bytes += size;
    this.#map.set(key, entry);
  }

  #evictOldest(): void {
    const key = this.#ring[this.#head];
    this.#ring[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#max;
    this.#count--;
    if (key === undefined) return;
    const entry = this.#map.get(key);
    if (entry !== undefined) this.#bytes -= sizeOf(entry);
    this.#map.delete(key);
  }

  /**
   * For a cookie this request decrypted and whose response replaces it (a write): whether the same cookie was
   * decrypted recently already. A cookie replaced by its response is normally never seen again, so it is not
   * worth an entry; one that keeps coming back (parallel requests of a page sent before the new cookie
   * arrived, a client that does not store cookies) is, from its second sighting on. Remembers this sighting.
   */
  seenBefore(cookie: string): boolean {
    if (this.#max === 0 || cookie.length < KEY_CHARS) return false;
    const tag = ownString(cookie.slice(-KEY_CHARS));
    if (tag === undefined) return false;
    if (this.#seen.delete(tag)) return true;
    if (this.#seen.size >= this.#max) this.#seen.delete(this.#seen.values().next().value as string);
    this.#seen.add(tag);
    return false;
  }

  get size(): number {
    return this.#map.size;
  }

  /** Bytes of cookie text and data held. */
  get bytes(): number {
    return this.#bytes;
  }
}

function sizeOf(entry: Entry): number {
  return entrySize(entry.cookie, entry.envelope.data);
}

/** What an entry holds: the cookie text and its data twice (as bytes and as text). */
function entrySize(cookie: string, data: Buffer | undefined): number {
  return cookie.length + 2 * (data?.byteLength ?? 0);
}

/** Reused for copying cookie text (synchronously, so one buffer serves every cache). */
const scratch = Buffer.allocUnsafeSlow(8192);

/**
 * A copy of `text` that holds only its own characters. A cookie value arrives as a slice of the request's
 * Cookie header: V8 makes substrings of 13 characters or more "sliced strings" that point into their parent,
 * so a cached slice kept the whole header alive (10,000 entries sent beside 15 KB of other cookies retained
 * 158 MB, against 8 MB without the other cookies). `slice` and `substring` make strings that point at the
 * parent, and concatenation a cons string that does until V8 happens to flatten it; decoding bytes makes a
 * new flat string. Latin-1 is exact for a cookie that
 * opened (base64url, ASCII); anything else gives `undefined` and is not cached. About 0.3 µs for a
 * 330-character cookie on Node 24 (0.65 µs with a new Buffer each time), only when an entry is added, after
 * a decryption that cost far more.
 */
function ownString(text: string): string | undefined {
  const buffer = text.length <= scratch.byteLength ? scratch : Buffer.allocUnsafe(text.length);
  const written = buffer.write(text, 0, 'latin1');
  const copy = buffer.toString('latin1', 0, written);
  return copy === text ? copy : undefined;
}

/**
 * Small Buffers are slices of a shared pool, and a long-lived slice keeps its whole slab alive: a cached
 * entry gets a copy of exactly its own bytes.
 */
function ownCopy(data: Buffer | undefined): Buffer | undefined {
  if (data === undefined || (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength)) return data;
  const copy = Buffer.allocUnsafeSlow(data.byteLength);
  data.copy(copy);
  return copy;
}
