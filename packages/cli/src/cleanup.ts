import { DATASTORE_MAX_MUTATIONS_PER_COMMIT, DEFAULT_SESSION_KIND } from '@gaes/core';
import { deleteExpiredSessions, deleteExpiredUserEntities, type SweepCounts, type SweepProgress, type UserSweepProgress } from '@gaes/datastore';
import type { Datastore } from '@google-cloud/datastore';

/** Options of {@link cleanup}. */
export interface CleanupOptions {
  readonly datastore: Datastore;
  /** @default {@link DEFAULT_SESSION_KIND} */
  readonly kind?: string | undefined;
  /** @default the default namespace */
  readonly namespace?: string | undefined;
  /** Also delete sessions last written longer ago than this (ms). @default none */
  readonly olderThanMs?: number | undefined;
  /** Keys per query page and per delete Commit, 1–{@link DATASTORE_MAX_MUTATIONS_PER_COMMIT}. @default {@link DATASTORE_MAX_MUTATIONS_PER_COMMIT} */
  readonly batchSize?: number | undefined;
  /** Stop starting new batches after this long (ms, on `clock`). @default no limit */
  readonly maxTimeMs?: number | undefined;
  /** Count, delete nothing. @default false */
  readonly dryRun?: boolean | undefined;
  /** Continue an `olderThanMs` scan after this session id (the `resumeAfter` of a partial run). */
  readonly resumeAfter?: string | undefined;
  /** The time sessions are judged against, in ms since the epoch. */
  readonly now: number;
  /** The clock `maxTimeMs` and the rate are measured on. @default Date.now */
  readonly clock?: (() => number) | undefined;
  /** Called after every batch with the totals so far. */
  readonly onProgress?: ((progress: CleanupProgress) => void) | undefined;
}

/** The totals of a cleanup so far: sessions (`deleted`, `scanned`), then user records and revocations. */
export interface CleanupProgress {
  /** Sessions deleted (in a dry run: that would have been deleted). */
  readonly deleted: number;
  /** Session keys and entities read. */
  readonly scanned: number;
  /** User-bound session records (`GaesUserSession`) whose `expiresAt` has passed. */
  readonly records: SweepCounts;
  /** Per-user revocations (`GaesUser`) whose `expiresAt` has passed. */
  readonly revocations: SweepCounts;
}

/** What a cleanup did: the object `gaes-cleanup --json` prints and the cron route answers with. */
export interface CleanupResult {
  readonly command: 'cleanup';
  /** `partial`: stopped at the time limit with work left — run again to continue. */
  readonly status: 'done' | 'partial';
  readonly dryRun: boolean;
  /** Sessions deleted (in a dry run: that would have been deleted). */
  readonly deleted: number;
  /** Session keys and entities read. */
  readonly scanned: number;
  /** Expired user-bound session records deleted (and keys read): swept after the sessions. */
  readonly records: SweepCounts;
  /** Expired per-user revocations deleted (and keys read): swept after the records. */
  readonly revocations: SweepCounts;
  /** How long the sweep took (on the command's clock). */
  readonly elapsedMs: number;
  /** Entities deleted (sessions, records and revocations) per second of `elapsedMs`; `null` when no time passed. */
  readonly deletedPerSecond: number | null;
  /** The time expiries were judged against (ISO 8601). */
  readonly judgedAt: string;
  readonly kind: string;
  readonly namespace: string | null;
  readonly olderThanMs: number | null;
  readonly maxTimeMs: number | null;
  /** When an `olderThanMs` scan stopped early: pass it back (`--resume-after`) to skip what was scanned. */
  readonly resumeAfter?: string;
}

/**
 * Deletes expired sessions (and, with `olderThanMs`, idle ones), then the user-bound session records and
 * per-user revocations whose `expiresAt` has passed (in the same namespace), until done or `maxTimeMs` has
 * passed: the work of `gaes-cleanup` and of the `/_gaes/cleanup` cron route. A partial run is continued by
 * running again (deleted keys drop out of the range; an idle-session scan resumes from `resumeAfter`).
 *
 * @throws {ConfigError} for invalid options
 * @throws {StoreUnavailableError} / {StoreRejectedError} when Datastore fails mid-run (rerunning is safe)
 * @example
 * const r = await cleanup({ datastore, now: Date.now(), maxTimeMs: 540_000 });
 * if (r.status === 'partial') console.log('run again to continue');
 */
export async function cleanup(options: CleanupOptions): Promise<CleanupResult> {
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  const deadline = options.maxTimeMs === undefined ? Number.POSITIVE_INFINITY : startedAt + options.maxTimeMs;
  const none = { deleted: 0, scanned: 0 };
  let sessions: Pick<SweepProgress, 'deleted' | 'scanned'> = none;
  let users: Omit<UserSweepProgress, 'done'> = { records: none, revocations: none };
  const progress = (): void => options.onProgress?.({ deleted: sessions.deleted, scanned: sessions.scanned, records: users.records, revocations: users.revocations });
  const common = { datastore: options.datastore, namespace: options.namespace, now: options.now, batchSize: options.batchSize, deadline, clock, dryRun: options.dryRun };
  const swept = await deleteExpiredSessions({
    ...common,
    kind: options.kind,
    olderThanMs: options.olderThanMs,
    resumeAfter: options.resumeAfter,
    onProgress: (p) => {
      sessions = p;
      progress();
    },
  });
  sessions = swept;
  // After a partial session sweep the deadline has passed: the user sweep stops before its first query.
  const usersSwept = await deleteExpiredUserEntities({
    ...common,
    onProgress: (p) => {
      users = p;
      progress();
    },
  });
  const elapsedMs = Math.max(0, clock() - startedAt);
  const deletedAll = swept.deleted + usersSwept.records.deleted + usersSwept.revocations.deleted;
  return {
    command: 'cleanup',
    status: swept.done && usersSwept.done ? 'done' : 'partial',
    dryRun: options.dryRun === true,
    deleted: swept.deleted,
    scanned: swept.scanned,
    records: usersSwept.records,
    revocations: usersSwept.revocations,
    elapsedMs: Math.round(elapsedMs),
    deletedPerSecond: elapsedMs > 0 ? Math.round((deletedAll * 1000) / elapsedMs) : null,
    judgedAt: new Date(options.now).toISOString(),
    kind: options.kind ?? DEFAULT_SESSION_KIND,
    namespace: options.namespace ?? null,
    olderThanMs: options.olderThanMs ?? null,
    maxTimeMs: options.maxTimeMs ?? null,
    ...(swept.resumeAfter === undefined ? {} : { resumeAfter: swept.resumeAfter }),
  };
}
