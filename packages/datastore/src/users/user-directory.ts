import {
  applyRevocation,
  USER_KIND,
  USER_SESSION_KIND,
  type RevocationChange,
  type UserDirectory,
  type UserRevocation,
  type UserSessionRecord,
} from '@gaes/core';
import { PropertyFilter, type Datastore, type Key } from '@google-cloud/datastore';
import { GrpcCode, grpcCode } from '../classify-error.ts';
import { resolveLocation, type DatastoreInput } from '../client.ts';
import { resolveRetry, withRetry, type RetryOptions, type RetryPolicy } from '../retry.ts';
import { EXPIRES_AT, recordEntity, recordKeyName, recordOf, revocationEntity, revocationOf, userKeyName } from './entities.ts';

/** Options of {@link DatastoreUserDirectory}. */
export interface DatastoreUserDirectoryOptions {
  readonly datastore: DatastoreInput;
  /** Namespace of the entities (the sessions' namespace). @default the client's */
  readonly namespace?: string | undefined;
  /** How transient failures are retried. @default as for sessions */
  readonly retry?: RetryOptions | undefined;
}

const MAX_TRANSACTION_ATTEMPTS = 5;
/** Entities a query page reads. */
const PAGE = 500;

/**
 * The user directory in Datastore: one `GaesUserSession` entity per user-bound session, one `GaesUser` entity
 * per user with revocations (see `entities.ts`). Listing a user's sessions is one query on `userId`; an
 * instance's poll for new revocations is one query on `changedAt`; a revocation is a transaction on one
 * entity. Built-in single-property indexes only: no composite index is needed.
 */
export class DatastoreUserDirectory implements UserDirectory {
  readonly datastore: Datastore;
  readonly namespace: string | undefined;
  readonly #retry: RetryPolicy;

  constructor(options: DatastoreUserDirectoryOptions) {
    const loc = resolveLocation(options);
    this.datastore = loc.datastore;
    this.namespace = loc.namespace;
    this.#retry = resolveRetry(options.retry);
  }

  #query(kind: string): ReturnType<Datastore['createQuery']> {
    return this.namespace === undefined ? this.datastore.createQuery(kind) : this.datastore.createQuery(this.namespace, kind);
  }

  #key(kind: string, name: string): Key {
    return this.namespace === undefined ? this.datastore.key([kind, name]) : this.datastore.key({ namespace: this.namespace, path: [kind, name] });
  }

  async put(record: UserSessionRecord): Promise<void> {
    const entity = recordEntity(this.#key(USER_SESSION_KIND, recordKeyName(record.handle)), record);
    await withRetry(this.#retry, 'upsert', (gaxOptions) => this.datastore.save(entity, gaxOptions));
  }

  async get(handle: string): Promise<UserSessionRecord | undefined> {
    const key = this.#key(USER_SESSION_KIND, recordKeyName(handle));
    const [entity] = await withRetry(this.#retry, 'lookup', (gaxOptions) => this.datastore.get(key, { gaxOptions }));
    return recordOf(handle, entity as Record<string, unknown> | undefined);
  }

  async delete(handle: string): Promise<void> {
    const key = this.#key(USER_SESSION_KIND, recordKeyName(handle));
    await withRetry(this.#retry, 'delete', (gaxOptions) => this.datastore.delete(key, gaxOptions));
  }

  async list(userId: string): Promise<UserSessionRecord[]> {
    const query = this.#query(USER_SESSION_KIND).filter(new PropertyFilter('userId', '=', userId));
    const out: UserSessionRecord[] = [];
    for (const entity of await this.#runAll(query)) {
      const name = ((entity as Record<symbol, unknown>)[this.datastore.KEY] as { name?: string } | undefined)?.name ?? '';
      const record = recordOf(name.slice(2), entity);
      if (record !== undefined && record.userId === userId) out.push(record);
    }
    return out;
  }

  /**
   * The revocations of `userId` as stored (one Lookup), or `undefined` when there are none: for tools that
   * judge a session without an instance's revocation feed (the CLI). Expired ones are returned too.
   */
  async revocation(userId: string): Promise<UserRevocation | undefined> {
    const key = this.#key(USER_KIND, userKeyName(userId));
    const [entity] = await withRetry(this.#retry, 'lookup', (gaxOptions) => this.datastore.get(key, { gaxOptions }));
    return revocationOf(entity as Record<string, unknown> | undefined);
  }

  async revoke(userId: string, change: RevocationChange, nowMs: number): Promise<UserRevocation> {
    const key = this.#key(USER_KIND, userKeyName(userId));
    let lastError: unknown;
    for (let attempt = 0; attempt < MAX_TRANSACTION_ATTEMPTS; attempt++) {
      const tx = this.datastore.transaction();
      try {
        await tx.run();
        const [entity] = (await tx.get(key)) as [Record<string, unknown> | undefined];
        const next = applyRevocation(userId, revocationOf(entity), change, nowMs);
        tx.save(revocationEntity(key, next));
        await tx.commit();
        return next;
      } catch (err) {
        lastError = err;
        await tx.rollback().catch(() => undefined);
        if (grpcCode(err) !== GrpcCode.ABORTED) throw err;
      }
    }
    throw lastError;
  }

  async changedSince(sinceMs: number | undefined, nowMs: number): Promise<UserRevocation[]> {
    const query =
      sinceMs === undefined
        ? this.#query(USER_KIND).filter(new PropertyFilter(EXPIRES_AT, '>', new Date(nowMs)))
        : this.#query(USER_KIND).filter(new PropertyFilter('changedAt', '>', new Date(sinceMs)));
    const out: UserRevocation[] = [];
    for (const entity of await this.#runAll(query)) {
      const revocation = revocationOf(entity);
      if (revocation !== undefined && revocation.expiresAtMs > nowMs) out.push(revocation);
    }
    return out;
  }

  async #runAll(query: ReturnType<Datastore['createQuery']>): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = [];
    let page = query.limit(PAGE);
    for (;;) {
      const [entities, info] = await withRetry(this.#retry, 'query', (gaxOptions) => this.datastore.runQuery(page, { gaxOptions }));
      out.push(...(entities as Array<Record<string, unknown>>));
      if (info.moreResults === 'NO_MORE_RESULTS' || entities.length < PAGE || info.endCursor === undefined) return out;
      page = query.limit(PAGE).start(info.endCursor);
    }
  }
}
