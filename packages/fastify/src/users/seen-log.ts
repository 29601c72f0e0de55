import type { SessionMeta } from '@gaes/core';

/**
 * When a user-bound session is due to be recorded as seen (`userSeenInterval`): its cookie or record says it
 * was last recorded an interval ago, and this process has not recorded it since. The second part makes a
 * client which keeps sending an old cookie (one that ignores Set-Cookie, or many requests in flight with the
 * same cookie) cost one record write per interval, not one per request. Per process and bounded: another
 * instance, or a handle pushed out by newer ones, may write once more, which is harmless (a "last seen" time).
 */
export class SeenLog {
  readonly #intervalMs: number;
  readonly #maxEntries: number;
  /** Handle → when this process last claimed its write; oldest first (re-inserted on each claim). */
  readonly #claimed = new Map<string, number>();

  constructor(intervalMs: number, maxEntries = 10_000) {
    this.#intervalMs = intervalMs;
    this.#maxEntries = maxEntries;
  }

  /** Whether this request should record the session as seen; claims the write for this process when so. */
  due(meta: Pick<SessionMeta, 'user' | 'handle'>, nowMs: number): boolean {
    const user = meta.user;
    if (user === undefined || nowMs - user.seenAtMs < this.#intervalMs) return false;
    const last = this.#claimed.get(meta.handle);
    if (last !== undefined && nowMs - last < this.#intervalMs) return false;
    this.#claimed.delete(meta.handle);
    this.#claimed.set(meta.handle, nowMs);
    if (this.#claimed.size > this.#maxEntries) {
      const oldest = this.#claimed.keys().next().value;
      if (oldest !== undefined) this.#claimed.delete(oldest);
    }
    return true;
  }
}
