import { DATASTORE_MAX_MUTATIONS_PER_COMMIT, DEFAULT_SESSION_KIND } from '@gaes/core';
import { deleteExpiredSessions, type SweepProgress } from '@gaes/datastore';
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
  readonly onProgress?: ((progress: SweepProgress) => void) | undefined;
}

/** What a cleanup did: the object `gaes-cleanup --json` prints and the cron route answers with. */
export interface CleanupResult {
  readonly command: 'cleanup';
  /** `partial`: stopped at the time limit with work left — run again to continue. */
  readonly status: 'done' | 'partial';
  readonly dryRun: boolean;
  /** Sessions deleted (in a dry run: that would have been deleted). */
  readonly deleted: number;
  /** Keys and entities read. */
  readonly scanned: number;
  /** How long the sweep took (on the command's clock). */
  readonly elapsedMs: number;
  /** `deleted` per second of `elapsedMs`; `null` when no time passed. */
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
 * Deletes expired sessions (and, with `olderThanMs`, idle ones) until done or `maxTimeMs` has passed:
 * the work of `gaes-cleanup` and of the `/_gaes/cleanup` cron route. A partial run is continued by
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
  const swept = await deleteExpiredSessions({
    datastore: options.datastore,
    kind: options.kind,
    namespace: options.namespace,
    now: options.now,
    olderThanMs: options.olderThanMs,
    batchSize: options.batchSize,
    deadline,
    clock,
    dryRun: options.dryRun,
    resumeAfter: options.resumeAfter,
    onProgress: options.onProgress,
  });
  const elapsedMs = Math.max(0, clock() - startedAt);
  return {
    command: 'cleanup',
    status: swept.done ? 'done' : 'partial',
    dryRun: options.dryRun === true,
    deleted: swept.deleted,
    scanned: swept.scanned,
    elapsedMs: Math.round(elapsedMs),
    deletedPerSecond: elapsedMs > 0 ? Math.round((swept.deleted * 1000) / elapsedMs) : null,
    judgedAt: new Date(options.now).toISOString(),
    kind: options.kind ?? DEFAULT_SESSION_KIND,
    namespace: options.namespace ?? null,
    olderThanMs: options.olderThanMs ?? null,
    maxTimeMs: options.maxTimeMs ?? null,
    ...(swept.resumeAfter === undefined ? {} : { resumeAfter: swept.resumeAfter }),
  };
}
