import type { SessionStore } from '@gaes/core';
import type { Datastore } from '@google-cloud/datastore';
import { resolveLocation, type DatastoreInput, type SessionKindLocation } from './client.ts';
import { DatastoreEntityTooLargeError } from './errors.ts';
import { MAX_PAYLOAD_BYTES, payloadOf, sessionEntity, sessionKey } from './entity.ts';
import { callOptions, resolveRetry, withRetry, type RetryOptions, type RetryPolicy } from './retry.ts';

/** Options of {@link DatastoreSessionStore}. */
export interface DatastoreSessionStoreOptions {
  /** A `Datastore` instance from `@google-cloud/datastore`, or the options to build one. */
  readonly datastore: DatastoreInput;
  /** Kind of session entities. @default 'GaesSession' */
  readonly kind?: string | undefined;
  /** Namespace of session entities. @default the client's namespace (normally the default namespace) */
  readonly namespace?: string | undefined;
  /** How transient failures are retried. @default 3 retries, 50 ms base, 1 s cap, full jitter */
  readonly retry?: RetryOptions | undefined;
  /** The clock for `updatedAt`, in ms since the epoch. @default Date.now */
  readonly now?: (() => number) | undefined;
}

/**
 * The durable tier: sealed sessions in Cloud Datastore, one entity per session (see {@link SessionProperty}).
 *
 * Each method is one RPC per attempt (`get` → Lookup, `set` → a non-transactional Commit with one upsert,
 * `delete` → a Commit with one delete) and at most `1 + retry.retries` attempts; the client's own retries
 * are off. Upserts and deletes are idempotent, so a retry after an ambiguous failure is safe.
 *
 * @throws {StoreUnavailableError} (503) when Datastore stays unavailable after the retries
 * @throws {StoreRejectedError} for permanent refusals, {@link DatastoreEntityTooLargeError} for oversized sessions
 * @example
 * ```ts
 * const store = new DatastoreSessionStore({ datastore: new Datastore({ projectId: 'my-app' }) });
 * await app.register(gaeSessions, { secret, durableStore: store });
 * ```
 */
export class DatastoreSessionStore implements SessionStore {
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
    const key = sessionKey(this.#loc, id);
    const [entity] = await withRetry(this.#retry, 'lookup', () =>
      this.datastore.get(key, { gaxOptions: callOptions(this.#retry) }),
    );
    return payloadOf(entity);
  }

  /** Upserts session `id` with `value` until `expiresAtMs`. One Commit; nothing is read first. */
  async set(id: string, value: Uint8Array, expiresAtMs: number): Promise<void> {
    // Could never be stored: refuse without a round trip (nearer the limit, Datastore decides).
    if (value.byteLength > MAX_PAYLOAD_BYTES) throw new DatastoreEntityTooLargeError(value.byteLength);
    const entity = sessionEntity(sessionKey(this.#loc, id), value, expiresAtMs, this.#now());
    await withRetry(this.#retry, 'upsert', () => this.datastore.save(entity, callOptions(this.#retry)), value.byteLength);
  }

  /** Deletes session `id` (no error when absent). One Commit. */
  async delete(id: string): Promise<void> {
    const key = sessionKey(this.#loc, id);
    await withRetry(this.#retry, 'delete', () => this.datastore.delete(key, callOptions(this.#retry)));
  }
}
