/**
 * A server-side store of sealed session values (the cache tier and the Datastore tier implement it).
 * Values are opaque sealed bytes; keys are session ids. Implementations throw
 * {@link StoreUnavailableError} for outages and {@link StoreRejectedError} for permanent refusals.
 */
export interface SessionStore {
  /** The sealed value for `id`, or `undefined` when absent. */
  get(id: string): Promise<Uint8Array | undefined>;
  /** Stores `value` for `id` until `expiresAtMs`. */
  set(id: string, value: Uint8Array, expiresAtMs: number): Promise<void>;
  /** Removes `id` (no error when absent). */
  delete(id: string): Promise<void>;
}

