/**
 * Which user-bound sessions this process recorded as seen lately, so that a client which keeps sending an
 * old cookie (one that ignores Set-Cookie, or many requests in flight with the same cookie) costs one record
 * write per `userSeenInterval`, not one per request. Per process and bounded: another instance, or a handle
 * pushed out by newer ones, may write once more, which is harmless (a "last seen" time).
 */
export class SeenLog {
  readonly #maxEntries: number;
  /** Handle → when this process last claimed its write; oldest first (re-inserted on each claim). */
  readonly #claimed = new Map<string, number>();

  constructor(maxEntries = 10_000) {
    this.#maxEntries = maxEntries;
  }

  /**
   * Whether this request should record session `handle` as seen: `true` at most once per `intervalMs` per
   * handle in this process. Claims it when so.
   */
  claim(handle: string, nowMs: number, intervalMs: number): boolean {
    const last = this.#claimed.get(handle);
    if (last !== undefined && nowMs - last < intervalMs) return false;
    this.#claimed.delete(handle);
    this.#claimed.set(handle, nowMs);
    if (this.#claimed.size > this.#maxEntries) {
      const oldest = this.#claimed.keys().next().value;
      if (oldest !== undefined) this.#claimed.delete(oldest);
    }
    return true;
  }

  /** How many handles are remembered. */
  get size(): number {
    return this.#claimed.size;
  }
}
