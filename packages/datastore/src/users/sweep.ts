import { ConfigError, DATASTORE_MAX_MUTATIONS_PER_COMMIT, USER_KIND, USER_SESSION_KIND } from '@gaes/core';
import { PropertyFilter, type Datastore, type Key, type Query, type Transaction } from '@google-cloud/datastore';
import { resolveLocation, type DatastoreInput } from '../client.ts';
import { resolveRetry, withRetry, type RetryOptions, type RetryPolicy } from '../retry.ts';
import { deadlineCheck, positiveInt } from '../sweep-limits.ts';
import { EXPIRES_AT } from './entities.ts';

/** Options of {@link deleteExpiredUserEntities}. */
export interface DeleteExpiredUserEntitiesOptions {
  /** A `Datastore` instance, or options to build one. */
  readonly datastore: DatastoreInput;
  /** Namespace of the entities (the sessions' namespace). @default the client's namespace */
  readonly namespace?: string | undefined;
  /** The time entities are judged against, in ms since the epoch: those expiring at or before it are deleted. */
  readonly now: number;
  /** Keys per query and per delete Commit, 1–{@link DATASTORE_MAX_MUTATIONS_PER_COMMIT}. @default {@link DATASTORE_MAX_MUTATIONS_PER_COMMIT} */
  readonly batchSize?: number | undefined;
  /** When to stop: a time in ms since the epoch (read from `clock`) or an AbortSignal. Checked before each batch. */
  readonly deadline: number | AbortSignal;
  /** The clock the numeric `deadline` is compared with. @default Date.now */
  readonly clock?: (() => number) | undefined;
  /** Count what would be deleted, delete nothing. @default false */
  readonly dryRun?: boolean | undefined;
  /** Called after every batch with the totals so far. */
  readonly onProgress?: ((progress: UserSweepProgress) => void) | undefined;
  /** How transient failures (and transaction conflicts) are retried, per batch. */
  readonly retry?: RetryOptions | undefined;
}

/** What a sweep did to one kind. */
export interface SweepCounts {
  /** Entities deleted (in a dry run: that would have been deleted). */
  readonly deleted: number;
  /** Keys the queries returned. */
  readonly scanned: number;
}

/** What a sweep of user records and revocations did (so far). */
export interface UserSweepProgress {
  /** User-bound session records (`USER_SESSION_KIND`). */
  readonly records: SweepCounts;
  /** Per-user revocations (`USER_KIND`). */
  readonly revocations: SweepCounts;
  /** `true` when nothing is left to delete; `false` when the deadline stopped the sweep (run it again to continue). */
  readonly done: boolean;
}

interface Counts {
  deleted: number;
  scanned: number;
}

interface Sweep {
  readonly datastore: Datastore;
  readonly namespace: string | undefined;
  readonly now: Date;
  readonly retry: RetryPolicy;
  readonly batchSize: number;
  readonly dryRun: boolean;
  readonly timeUp: () => boolean;
  readonly onProgress: ((progress: UserSweepProgress) => void) | undefined;
  readonly records: Counts;
  readonly revocations: Counts;
}

/**
 * Deletes user-bound session records and per-user revocations whose `expiresAt` has passed (at or before
 * `now`), in bounded batches until done or the deadline: the second half of `gaes-cleanup` and of the
 * `/_gaes/cleanup` cron route (after `deleteExpiredSessions`). A record expires with its session; a
 * revocation once no session it ends can still be alive, so deleting either changes no session.
 *
 * Each batch is one transaction: a keys-only `expiresAt <= now` query (the built-in single-property index,
 * no entity reads) of at most `batchSize` keys, and one Commit deleting them. The transaction matters for
 * revocations: an app may revoke again for a user whose old revocation has just expired, rewriting that very
 * entity with a later `expiresAt`. Outside a transaction the delete could land after that write and drop a
 * fresh revocation; inside one, the write and the delete conflict, and the batch (or the app's revocation)
 * is retried on fresh data. Deleted keys drop out of the query, so a run stopped by its deadline is resumed
 * by running again. A dry run pages through the same queries, outside transactions, and deletes nothing.
 *
 * @returns the totals per kind, with `done: false` when the deadline stopped it
 * @throws {ConfigError} for invalid options
 * @throws {StoreUnavailableError} when Datastore stays unavailable, or conflicts persist past the retries
 * @throws {StoreRejectedError} for a permanent refusal
 * @example
 * ```ts
 * const r = await deleteExpiredUserEntities({ datastore, now: Date.now(), deadline: Date.now() + 50_000 });
 * console.log(r.records.deleted, r.revocations.deleted, r.done);
 * ```
 */
export async function deleteExpiredUserEntities(options: DeleteExpiredUserEntitiesOptions): Promise<UserSweepProgress> {
  if (!Number.isFinite(options.now)) throw new ConfigError('`now` must be a time in ms since the epoch');
  const batchSize = positiveInt(options.batchSize, DATASTORE_MAX_MUTATIONS_PER_COMMIT, 'batchSize', DATASTORE_MAX_MUTATIONS_PER_COMMIT);
  const loc = resolveLocation({ datastore: options.datastore, namespace: options.namespace });
  const sweep: Sweep = {
    datastore: loc.datastore,
    namespace: loc.namespace,
    now: new Date(options.now),
    retry: resolveRetry(options.retry),
    batchSize,
    dryRun: options.dryRun === true,
    timeUp: deadlineCheck(options.deadline, options.clock ?? Date.now),
    onProgress: options.onProgress,
    records: { deleted: 0, scanned: 0 },
    revocations: { deleted: 0, scanned: 0 },
  };
  const done = (await sweepKind(sweep, USER_SESSION_KIND, sweep.records)) && (await sweepKind(sweep, USER_KIND, sweep.revocations));
  return report(sweep, done);
}

/** The totals so far, also given to `onProgress`. */
function report(sweep: Sweep, done: boolean): UserSweepProgress {
  const progress: UserSweepProgress = { records: { ...sweep.records }, revocations: { ...sweep.revocations }, done };
  sweep.onProgress?.(progress);
  return progress;
}

/**
 * The keys-only query of expired entities of `kind`. A client from another copy of `@google-cloud/datastore`
 * does not recognise this copy's `PropertyFilter` (an `instanceof` check) and would silently drop it — for a
 * sweeper, the difference between deleting expired entities and deleting all of them — so that case falls
 * back to the three-argument form, which every copy understands.
 */
function expiredQuery(sweep: Sweep, from: Datastore | Transaction, kind: string): Query {
  const query = (sweep.namespace === undefined ? from.createQuery(kind) : from.createQuery(sweep.namespace, kind)).select('__key__');
  query.filter(new PropertyFilter(EXPIRES_AT, '<=', sweep.now));
  if (query.entityFilters.length === 0) query.filter(EXPIRES_AT, '<=', sweep.now);
  return query.limit(sweep.batchSize);
}

function keysOf(datastore: Datastore, entities: unknown[]): Key[] {
  return entities.map((e) => (e as Record<symbol, Key>)[datastore.KEY] as Key);
}

/** Sweeps one kind; returns whether it finished before the deadline. */
async function sweepKind(sweep: Sweep, kind: string, counts: Counts): Promise<boolean> {
  if (sweep.dryRun) return countKind(sweep, kind, counts);
  for (;;) {
    if (sweep.timeUp()) return false;
    const deleted = await deleteBatch(sweep, kind);
    counts.scanned += deleted;
    counts.deleted += deleted;
    if (deleted < sweep.batchSize) return true;
    report(sweep, false);
  }
}

/** One transaction: the expired keys of a batch, deleted in one Commit (a rollback when there are none). */
async function deleteBatch(sweep: Sweep, kind: string): Promise<number> {
  return withRetry(sweep.retry, 'delete', async (gaxOptions) => {
    const tx = sweep.datastore.transaction();
    try {
      await tx.run({ gaxOptions });
      const [entities] = await tx.runQuery(expiredQuery(sweep, tx, kind), { gaxOptions });
      const keys = keysOf(sweep.datastore, entities);
      if (keys.length === 0) {
        await tx.rollback(gaxOptions);
        return 0;
      }
      tx.delete(keys);
      await tx.commit(gaxOptions);
      return keys.length;
    } catch (err) {
      await tx.rollback().catch(() => undefined);
      throw err;
    }
  });
}

/** A dry run: pages of expired keys by cursor (nothing is deleted, so the query must move on by itself). */
async function countKind(sweep: Sweep, kind: string, counts: Counts): Promise<boolean> {
  let cursor: string | undefined;
  for (;;) {
    if (sweep.timeUp()) return false;
    const query = expiredQuery(sweep, sweep.datastore, kind);
    if (cursor !== undefined) query.start(cursor);
    const [entities, info] = await withRetry(sweep.retry, 'query', (gaxOptions) => sweep.datastore.runQuery(query, { gaxOptions }));
    counts.scanned += entities.length;
    counts.deleted += entities.length;
    if (entities.length < sweep.batchSize || info.endCursor === undefined) return true;
    report(sweep, false);
    cursor = info.endCursor;
  }
}
