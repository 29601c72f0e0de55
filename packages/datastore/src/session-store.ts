import type { VersionedSessionStore, VersionedValue, VersionedWrite } from '@gaes/core';
import type { Datastore } from '@google-cloud/datastore';
import { resolveLocation, type DatastoreInput, type SessionKindLocation } from './client.ts';
import { DatastoreEntityTooLargeError } from './errors.ts';
import { MAX_PAYLOAD_BYTES, sessionEntityProto, sessionKeyProto, payloadOfProto, sessionKey } from './entity.ts';
import { resolveRetry, withRetry, type RetryOptions, type RetryPolicy } from './retry.ts';
import { rpc } from './rpc.ts';

/** Options of {@link DatastoreSessionStore}. */
export interface DatastoreSessionStoreOptions {
  /** A `Datastore` instance from `@google-cloud/datastore`, or the options to build one. */
  readonly datastore: DatastoreInput;
  /** Kind of session entities. @default {@link @gaes/core!DEFAULT_SESSION_KIND} */
  readonly kind?: string | undefined;
  /** Namespace of session entities. @default the client's namespace (normally the default namespace) */
  readonly namespace?: string | undefined;
  /** How transient failures are retried. @default 3 retries, 50 ms base, 1 s cap, full jitter, 1.5 s an attempt, 2.5 s in all */
  readonly retry?: RetryOptions | undefined;
  /** The clock for `updatedAt`, in ms since the epoch. @default Date.now */
  readonly now?: (() => number) | undefined;
}

interface LookupResponse {
  readonly found?: ReadonlyArray<{ readonly entity?: unknown; readonly version?: unknown }> | null;
}
interface CommitResponse {
  readonly mutationResults?: ReadonlyArray<{ readonly version?: unknown; readonly conflictDetected?: boolean | null }> | null;
}

/**
 * The durable tier: sealed sessions in Cloud Datastore, one entity per session (see `SessionProperty`).
 *
 * Each method is one RPC per attempt (`get`/`read` → Lookup, `set`/`write` → a non-transactional Commit
 * with one upsert, `delete` → a Commit with one delete) and at most `1 + retry.retries` attempts within
 * `retry.totalTimeoutMs`; the client's own retries are off. It is a {@link VersionedSessionStore}: a write
 * may name the entity version it was based on (Datastore's `base_version`), and Datastore refuses it when
 * the entity changed or was deleted since — no read before the write, no transaction. Unconditional upserts
 * and deletes are idempotent, so a retry after an ambiguous failure is safe; a conditional write retried
 * after an ambiguous failure that in fact landed reports a conflict, which the caller resolves by reading.
 *
 * @throws {StoreUnavailableError} (503) when Datastore stays unavailable after the retries
 * @throws {StoreRejectedError} for permanent refusals, {@link DatastoreEntityTooLargeError} for oversized sessions
 * @example
 * ```ts
 * const store = new DatastoreSessionStore({ datastore: new Datastore({ projectId: 'my-app' }) });
 * await app.register(gaeSessions, { secret, durableStore: store });
 * ```
 */
export class DatastoreSessionStore implements VersionedSessionStore {
  /** The client in use. */
  readonly datastore: Datastore;
  /** The kind of session entities. */
  readonly kind: string;
  /** The namespace of session entities (`undefined`: the default namespace). */
  readonly namespace: string | undefined;
  readonly #loc: SessionKindLocation;
  readonly #retry: RetryPolicy;
  readonly #now: () => number;

  /** @throws {ConfigError} for an invalid kind, namespace or retry option. */
  constructor(options: DatastoreSessionStoreOptions) {
    this.#loc = resolveLocation(options);
    this.datastore = this.#loc.datastore;
    this.kind = this.#loc.kind;
    this.namespace = this.#loc.namespace;
    this.#retry = resolveRetry(options.retry);
    this.#now = options.now ?? Date.now;
  }

  /** The sealed session `id`, or `undefined` when there is no such entity. One Lookup. */
  async get(id: string): Promise<Uint8Array | undefined> {
    return (await this.read(id))?.value;
  }

  /** The sealed session `id` with its entity version, or `undefined`. One Lookup. */
  async read(id: string): Promise<VersionedValue | undefined> {
    const keys = [sessionKeyProto(this.#loc, id)];
    const response = await withRetry(this.#retry, 'lookup', (gaxOpts) =>
      rpc<LookupResponse>(this.datastore, 'lookup', { keys }, gaxOpts),
    );
    const found = response.found?.[0];
    const value = payloadOfProto(found?.entity);
    return value === undefined || found === undefined ? undefined : { value, version: String(found.version) };
  }

  /** Upserts session `id` with `value` until `expiresAtMs`. One Commit; nothing is read first. */
  async set(id: string, value: Uint8Array, expiresAtMs: number): Promise<void> {
    await this.write(id, value, expiresAtMs);
  }

  /**
   * Upserts session `id`, only if its entity is still at version `basedOn` when given. One Commit.
   * @returns the new version, or `{ written: false }` when the entity changed or was deleted since `basedOn`.
   */
  async write(id: string, value: Uint8Array, expiresAtMs: number, basedOn?: string): Promise<VersionedWrite> {
    // Could never be stored: refuse without a round trip (nearer the limit, Datastore decides).
    if (value.byteLength > MAX_PAYLOAD_BYTES) throw new DatastoreEntityTooLargeError(value.byteLength);
    const upsert = sessionEntityProto(this.#loc, id, value, expiresAtMs, this.#now());
    const mutation = basedOn === undefined ? { upsert } : { upsert, baseVersion: basedOn };
    const response = await withRetry(
      this.#retry,
      'upsert',
      (gaxOpts) => rpc<CommitResponse>(this.datastore, 'commit', { mutations: [mutation] }, gaxOpts),
      value.byteLength,
    );
    const result = response.mutationResults?.[0];
    if (result?.conflictDetected === true) return { written: false };
    return { written: true, version: String(result?.version ?? '0') };
  }

  /** Deletes session `id` (no error when absent). One Commit. */
  async delete(id: string): Promise<void> {
    const key = sessionKey(this.#loc, id);
    await withRetry(this.#retry, 'delete', (gaxOptions) => this.datastore.delete(key, gaxOptions));
  }
}
