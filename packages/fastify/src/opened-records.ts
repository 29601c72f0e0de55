import { Buffer } from 'node:buffer';
import type { KeyRing, SessionRecord } from '@gaes/core';

interface Entry {
  readonly id: string;
  readonly ring: KeyRing;
  readonly sealed: Buffer;
  readonly record: SessionRecord;
}

/** Bytes of a seal's end used as the map key: its authentication tag. */
const TAG_BYTES = 16;
/** Larger sealed records are not kept (a session of that size costs its read anyway). */
const MAX_SEALED_BYTES = 16 * 1024;

/**
 * A bounded cache of opened server-side records, so a session read again from the cache (the same sealed
 * bytes) is not decrypted again: found by the seal's tag, then compared in full, for the same session id and
 * the same key ring. Like the cache of opened cookies, it holds only what the bytes already prove; a record
 * says nothing about expiry that is not checked again on every request. First in, first out, bounded in
 * entries and in bytes.
 */
export class OpenedRecords {
  readonly #max: number;
  readonly #maxBytes: number;
  readonly #map = new Map<string, Entry>();
  #bytes = 0;

  constructor(maxEntries: number, maxBytes = 32 * 1024 * 1024) {
    this.#max = maxEntries;
    this.#maxBytes = maxBytes;
  }

  get(id: string, ring: KeyRing, sealed: Uint8Array): SessionRecord | undefined {
    if (this.#max === 0 || sealed.byteLength <= TAG_BYTES) return undefined;
    const entry = this.#map.get(tagOf(sealed));
    if (entry === undefined || entry.id !== id || entry.ring !== ring || !entry.sealed.equals(sealed)) return undefined;
    return entry.record;
  }

  set(id: string, ring: KeyRing, sealed: Uint8Array, record: SessionRecord): void {
    if (this.#max === 0 || sealed.byteLength <= TAG_BYTES || sealed.byteLength > MAX_SEALED_BYTES) return;
    const key = tagOf(sealed);
    const own = Buffer.allocUnsafeSlow(sealed.byteLength);
    own.set(sealed);
    // The opened data may be a slice of a shared pool slab, which a long-lived slice would pin: it gets a copy.
    const data = Buffer.allocUnsafeSlow(record.data.byteLength);
    data.set(record.data);
    const entry: Entry = { id, ring, sealed: own, record: { ...record, data } };
    const size = 2 * own.byteLength;
    const previous = this.#map.get(key);
    if (previous !== undefined) {
      this.#map.delete(key);
      this.#bytes -= 2 * previous.sealed.byteLength;
    }
    for (const [oldest, old] of this.#map) {
      if (this.#map.size < this.#max && this.#bytes + size <= this.#maxBytes) break;
      this.#map.delete(oldest);
      this.#bytes -= 2 * old.sealed.byteLength;
    }
    this.#map.set(key, entry);
    this.#bytes += size;
  }

  get size(): number {
    return this.#map.size;
  }
}

function tagOf(sealed: Uint8Array): string {
  return Buffer.from(sealed.buffer, sealed.byteOffset + sealed.byteLength - TAG_BYTES, TAG_BYTES).toString('latin1');
}
