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

/** A stored value with the store's version of it (opaque; it changes on every write). */
export interface VersionedValue {
  readonly value: Uint8Array;
  readonly version: string;
}

/** The outcome of {@link VersionedSessionStore.write}: written with its new version, or refused because the stored version moved on. */
export type VersionedWrite = { readonly written: true; readonly version: string } | { readonly written: false };

/**
 * A store that can write conditionally: a write names the version it was based on and is refused (not
 * applied) when the stored value changed since — a deleted value counts as changed. This is what lets
 * parallel requests merge their changes instead of overwriting each other, without reading before every
 * write. `DatastoreSessionStore` implements it with Datastore's per-entity versions (`base_version`).
 */
export interface VersionedSessionStore extends SessionStore {
  /** The value for `id` and its version, or `undefined` when absent. */
  read(id: string): Promise<VersionedValue | undefined>;
  /**
   * Writes `value` for `id` until `expiresAtMs`. With `basedOn`, only if the stored version is still that
   * one; without it, unconditionally. Either way the new version is returned.
   */
  write(id: string, value: Uint8Array, expiresAtMs: number, basedOn?: string): Promise<VersionedWrite>;
}

/** Whether `store` can write conditionally. */
export function isVersionedStore(store: SessionStore): store is VersionedSessionStore {
  const s = store as Partial<VersionedSessionStore>;
  return typeof s.read === 'function' && typeof s.write === 'function';
}
