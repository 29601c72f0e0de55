import { parseSessionId, type SessionStore } from '@gaes/core';

/** Cache key prefixes of tombstones (an ended session) and fences (a merged write); ids never contain ':'. */
const ENDED = 'ended:';
const FENCE = 'fence:';
const TOMBSTONE = new Uint8Array([1]);

/**
 * The marks the cache keeps beside a session so that writers on other instances can tell what happened
 * meanwhile:
 *
 * - a **tombstone**, left when a session ends (until its id expires): a save of an existing session that
 *   finds it undoes itself, so a request that loaded the session before another one ended it cannot bring
 *   it back;
 * - a **fence**, left by a merged durable write with the revision it wrote: a writer whose older cache write
 *   lands after the merged one finds a newer fence and drops its entry (the next reader refills the cache
 *   from the durable store).
 */
export class CacheGuards {
  readonly #cache: SessionStore;

  constructor(cache: SessionStore) {
    this.#cache = cache;
  }

  /** Marks session `id` ended until its id expires. */
  async markEnded(id: string): Promise<void> {
    await this.#cache.set(ENDED + id, TOMBSTONE, expiryOf(id));
  }

  /** Records that revision `rev` of session `id` was written by a merge. */
  async fence(id: string, rev: number, expiresAtMs: number): Promise<void> {
    await this.#cache.set(FENCE + id, revBytes(rev), expiresAtMs);
  }

  /**
   * After a cache write of revision `rev` of an existing session: `true` when the session was ended meanwhile
   * (the caller undoes its write). When a newer fence shows a merged write landed first, the entry just
   * written is dropped here. A cache that cannot answer says `false`: a durable write stands (its conditional
   * write caught an ended session).
   */
  async endedSince(id: string, rev: number): Promise<boolean> {
    let ended: Uint8Array | undefined;
    let fence: Uint8Array | undefined;
    try {
      [ended, fence] = await Promise.all([this.#cache.get(ENDED + id), this.#cache.get(FENCE + id)]);
    } catch {
      return false;
    }
    if (ended !== undefined) return true;
    if (fence !== undefined && readRev(fence) > rev) await this.#cache.delete(id).catch(() => undefined);
    return false;
  }
}

function revBytes(rev: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, rev >>> 0);
  return out;
}

function readRev(bytes: Uint8Array): number {
  return bytes.byteLength === 4 ? new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0) : 0;
}

/** The absolute expiry an id carries (ids reaching the stores were parsed already; 0 means "expired"). */
export function expiryOf(id: string): number {
  return parseSessionId(id)?.expiresAtMs ?? 0;
}
