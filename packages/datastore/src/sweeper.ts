import { ConfigError, DATASTORE_MAX_MUTATIONS_PER_COMMIT, expiredIdUpperBound, StoreRejectedError } from '@gaes/core';
import { PropertyFilter, type Key, type Query } from '@google-cloud/datastore';
import { resolveLocation, type DatastoreInput, type SessionKindLocation } from './client.ts';
import { sessionKey, updatedAtOf } from './entity.ts';
import { resolveRetry, withRetry, type RetryOptions, type RetryPolicy } from './retry.ts';
import { deadlineCheck, positiveInt } from './sweep-limits.ts';

/** Options of {@link deleteExpiredSessions}. */
export interface DeleteExpiredSessionsOptions {
  /** A `Datastore` instance, or options to build one. */
  readonly datastore: DatastoreInput;
  /** Kind of session entities. @default {@link @gaes/core!DEFAULT_SESSION_KIND} */
  readonly kind?: string | undefined;
  /** Namespace of session entities. @default the client's namespace (normally the default namespace) */
  readonly namespace?: string | undefined;
  /** The time sessions are judged against, in ms since the epoch: ids expiring at or before it are deleted. */
  readonly now: number;
  /**
   * Also delete sessions not written for this long (`updatedAt < now - olderThanMs`), expired or not.
   * `updatedAt` is unindexed, so this needs a full-entity scan of the kind's unexpired sessions (see
   * {@link deleteExpiredSessions}). @default none
   */
  readonly olderThanMs?: number | undefined;
  /** Keys per query page and per delete Commit, 1–{@link DATASTORE_MAX_MUTATIONS_PER_COMMIT}. @default {@link DATASTORE_MAX_MUTATIONS_PER_COMMIT} */
  readonly batchSize?: number | undefined;
  /** Entities per page of the `olderThanMs` scan, 1–{@link DATASTORE_MAX_MUTATIONS_PER_COMMIT} (whole payloads are read: keep it modest). @default 100 */
  readonly scanPageSize?: number | undefined;
  /** When to stop: a time in ms since the epoch (read from `clock`) or an AbortSignal. Checked before each query. */
  readonly deadline: number | AbortSignal;
  /** Count what would be deleted, delete nothing. @default false */
  readonly dryRun?: boolean | undefined;
  /** Continue the `olderThanMs` scan after this key name (the `resumeAfter` of an earlier result). */
  readonly resumeAfter?: string | undefined;
  /** Called after every batch with the totals so far. */
  readonly onProgress?: ((progress: SweepProgress) => void) | undefined;
  /** How transient failures are retried (per RPC). */
  readonly retry?: RetryOptions | undefined;
  /** The clock the numeric `deadline` is compared with. @default Date.now */
  readonly clock?: (() => number) | undefined;
}

/** What a sweep did (so far). */
export interface SweepProgress {
  /** Entities deleted (in a dry run: that would have been deleted). */
  readonly deleted: number;
  /** Keys and entities the queries returned. */
  readonly scanned: number;
  /** `true` when nothing is left to delete; `false` when the deadline stopped the sweep (run it again to continue). */
  readonly done: boolean;
  /** When the `olderThanMs` scan stopped early: pass it back as `resumeAfter` to skip what it already scanned. */
  readonly resumeAfter?: string;
}

interface Sweep {
  readonly loc: SessionKindLocation;
  readonly retry: RetryPolicy;
  readonly batchSize: number;
  readonly dryRun: boolean;
  readonly timeUp: () => boolean;
  readonly onProgress: ((progress: SweepProgress) => void) | undefined;
  deleted: number;
  scanned: number;
}

/**
 * Deletes expired session entities in bounded batches until done or the deadline — the core of the CLI's
 * `sweep` command and of a cron endpoint.
 *
 * **Expired sessions** cost no index and no entity reads: an id starts with its zero-padded expiry, so
 * `__key__ < expiredIdUpperBound(now)` (a keys-only query in key order, on the built-in key index)
 * returns exactly the expired sessions. Each page of up to `batchSize` keys is deleted with one Commit.
 * Deleted keys drop out of the range, so a run stopped by its deadline is resumed simply by running again.
 * (Any entity of the kind with a numeric id, or a name sorting before the bound, counts as expired: keep
 * the kind for sessions only.)
 *
 * **`olderThanMs`** adds a second pass for sessions not written recently. `updatedAt` is deliberately
 * unindexed (one index write less on every session save, the hot path), and an unindexed property can be
 * neither filtered nor projected, so this pass reads whole entities, `scanPageSize` at a time, over the
 * unexpired key range (`__key__ >= bound`; the first pass already took the rest), and deletes those
 * with `updatedAt < now - olderThanMs`. That costs one entity read per unexpired session: run it rarely.
 * Entities without `updatedAt` are kept. When the deadline stops this pass, the result's `resumeAfter`
 * lets the next run skip what was scanned.
 *
 * @returns the totals, with `done: false` when the deadline stopped it
 * @throws {ConfigError} for invalid options
 * @throws {StoreUnavailableError} when Datastore stays unavailable (progress so far went to `onProgress`)
 * @throws {StoreRejectedError} for a permanent refusal
 * @example
 * ```ts
 * const r = await deleteExpiredSessions({ datastore, now: Date.now(), deadline: Date.now() + 50_000 });
 * if (!r.done) scheduleAnotherRun();
 * ```
 */
export async function deleteExpiredSessions(options: DeleteExpiredSessionsOptions): Promise<SweepProgress> {
  if (!Number.isFinite(options.now)) throw new ConfigError('`now` must be a time in ms since the epoch');
  const batchSize = positiveInt(options.batchSize, DATASTORE_MAX_MUTATIONS_PER_COMMIT, 'batchSize', DATASTORE_MAX_MUTATIONS_PER_COMMIT);
  const scanPageSize = positiveInt(options.scanPageSize, 100, 'scanPageSize', DATASTORE_MAX_MUTATIONS_PER_COMMIT);
  const olderThanMs = options.olderThanMs;
  if (olderThanMs !== undefined && (!Number.isInteger(olderThanMs) || olderThanMs < 0)) {
    throw new ConfigError('`olderThanMs` must be a whole number of milliseconds, 0 or more');
  }
  const timeUp = deadlineCheck(options.deadline, options.clock ?? Date.now);
  const sweep: Sweep = {
    loc: resolveLocation(options),
    retry: resolveRetry(options.retry),
    batchSize,
    dryRun: options.dryRun === true,
    timeUp,
    onProgress: options.onProgress,
    deleted: 0,
    scanned: 0,
  };
  const bound = sessionKey(sweep.loc, expiredIdUpperBound(options.now));
  if (!(await sweepExpired(sweep, bound))) return report(sweep, false);
  if (olderThanMs === undefined) return report(sweep, true);
  const after = options.resumeAfter === undefined ? undefined : sessionKey(sweep.loc, options.resumeAfter);
  return sweepStale(sweep, bound, after, options.now - olderThanMs, scanPageSize);
}

/** The totals so far, also given to `onProgress`. */
function report(sweep: Sweep, done: boolean, resumeAfter?: string): SweepProgress {
  const progress: SweepProgress = { deleted: sweep.deleted, scanned: sweep.scanned, done, ...(resumeAfter === undefined ? {} : { resumeAfter }) };
  sweep.onProgress?.(progress);
  return progress;
}

function kindQuery(loc: SessionKindLocation): Query {
  return loc.namespace === undefined ? loc.datastore.createQuery(loc.kind) : loc.datastore.createQuery(loc.namespace, loc.kind);
}

async function runQuery(sweep: Sweep, query: Query): Promise<Array<Record<string | symbol, unknown>>> {
  const [entities] = await withRetry(sweep.retry, 'query', (gaxOptions) =>
    sweep.loc.datastore.runQuery(query, { gaxOptions }),
  );
  return entities as Array<Record<string | symbol, unknown>>;
}

async function deleteKeys(sweep: Sweep, keys: readonly Key[]): Promise<void> {
  if (keys.length === 0) return;
  if (!sweep.dryRun) {
    await withRetry(sweep.retry, 'delete', (gaxOptions) => sweep.loc.datastore.delete([...keys], gaxOptions));
  }
  sweep.deleted += keys.length;
}

/** The key of a query result (the client's own KEY symbol: each copy of the library has its own). */
function keyOf(sweep: Sweep, entity: Record<string | symbol, unknown>): Key {
  return entity[sweep.loc.datastore.KEY] as Key;
}

/**
 * Adds `__key__ <op> key` to `query`. A client from another copy of `@google-cloud/datastore` does not
 * recognise this copy's `PropertyFilter` (an `instanceof` check) and would silently drop it — for a
 * sweeper, the difference between deleting expired sessions and deleting all of them — so that case
 * falls back to the three-argument form, which every copy understands.
 */
function whereKey(query: Query, op: '<' | '>' | '>=', key: Key): Query {
  const before = query.entityFilters.length;
  query.filter(new PropertyFilter('__key__', op, key));
  if (query.entityFilters.length === before) query.filter('__key__', op, key);
  return query;
}

/** Pass 1: keys-only pages below the expiry bound, each deleted at once. Returns whether it finished. */
async function sweepExpired(sweep: Sweep, bound: Key): Promise<boolean> {
  let after: Key | undefined;
  for (;;) {
    if (sweep.timeUp()) return false;
    const query = whereKey(kindQuery(sweep.loc).select('__key__'), '<', bound);
    // Paging by key rather than by cursor: a dry run, which deletes nothing, still moves forward.
    if (after !== undefined) whereKey(query, '>', after);
    const keys = (await runQuery(sweep, query.order('__key__').limit(sweep.batchSize))).map((e) => keyOf(sweep, e));
    // Belt and braces before a bulk delete: every key must really be below the bound.
    if (keys.some((k) => typeof k.name === 'string' && k.name >= String(bound.name))) {
      throw new StoreRejectedError('the expired-session query returned a session that has not expired; nothing was deleted');
    }
    sweep.scanned += keys.length;
    await deleteKeys(sweep, keys);
    if (keys.length < sweep.batchSize) return true;
    report(sweep, false);
    after = keys[keys.length - 1];
  }
}

/** Pass 2 (`olderThanMs`): whole-entity pages at or above the bound; stale keys deleted in batches. */
async function sweepStale(
  sweep: Sweep,
  bound: Key,
  resumeAfter: Key | undefined,
  cutoffMs: number,
  pageSize: number,
): Promise<SweepProgress> {
  let after = resumeAfter;
  let stale: Key[] = [];
  for (;;) {
    if (sweep.timeUp()) {
      await deleteKeys(sweep, stale);
      return report(sweep, false, after === undefined ? undefined : String(after.name));
    }
    const query = whereKey(kindQuery(sweep.loc), '>=', bound);
    if (after !== undefined) whereKey(query, '>', after);
    const entities = await runQuery(sweep, query.order('__key__').limit(pageSize));
    sweep.scanned += entities.length;
    for (const entity of entities) {
      const updatedAtMs = updatedAtOf(entity);
      if (updatedAtMs !== undefined && updatedAtMs < cutoffMs) stale.push(keyOf(sweep, entity));
      if (stale.length === sweep.batchSize) {
        await deleteKeys(sweep, stale);
        stale = [];
      }
    }
    const last = entities[entities.length - 1];
    if (last !== undefined) after = keyOf(sweep, last);
    if (entities.length < pageSize) {
      await deleteKeys(sweep, stale);
      return report(sweep, true);
    }
    report(sweep, false, String(after?.name));
  }
}
