import { Command } from '@commander-js/extra-typings';
import {
  DATASTORE_MAX_MUTATIONS_PER_COMMIT,
  DATASTORE_NAME_RULE,
  DEFAULT_SESSION_KIND,
  isValidKind,
  isValidNamespace,
  NAMESPACE_RULE,
} from '@gaes/core';
import type { Datastore } from '@google-cloud/datastore';
import type { CleanupProgress, CleanupResult } from './cleanup.ts';
import { describeTarget, resolveDatastoreTarget, type DatastoreTarget } from './datastore-target.ts';
import { UsageError } from './errors.ts';
import { exitCodeFor, type ExitCode } from './exit-code.ts';
import { toFailure, type Failure } from './failure.ts';
import { batchSizeFlag, durationFlag, nameFlag } from './flags.ts';
import type { CliIo } from './io.ts';
import { endedByHelp, exitCodesHelp, withIo } from './program.ts';
import { progressLine } from './progress.ts';
import { cleanupSummary, failureLine, jsonLine } from './render.ts';
import { VERSION } from './version.ts';

const NAME = 'gaes-cleanup';
const DEFAULT_CONNECT_TIMEOUT = '10s';

/** The `gaes-cleanup` command line (parsing only: it has no action). */
export function cleanupProgram(io: CliIo) {
  const program = new Command(NAME)
    .description(
      'Delete expired gaes sessions from Cloud Datastore (and, with --older-than, idle ones), then the expired records of user-bound sessions and per-user revocations.',
    )
    .option('--older-than <duration>', 'also delete sessions last written longer ago than this (90s, 15m, 12h, 7d)')
    .option('--project <id>', 'Google Cloud project (default: GOOGLE_CLOUD_PROJECT, GCLOUD_PROJECT, DATASTORE_PROJECT_ID)')
    .option('--database <id>', 'Datastore database (default: the (default) database)')
    .option('--namespace <ns>', 'namespace of the session entities (default: the default namespace)')
    .option('--kind <kind>', 'kind of the session entities', DEFAULT_SESSION_KIND)
    .option('--batch-size <n>', `keys per query and per delete, at most ${DATASTORE_MAX_MUTATIONS_PER_COMMIT}`, String(DATASTORE_MAX_MUTATIONS_PER_COMMIT))
    .option('--max-time <duration>', 'stop after this long, exit 3 if work is left (rerun to continue)')
    .option('--resume-after <id>', 'continue an --older-than scan after this id (printed by a run that stopped)')
    .option('--connect-timeout <duration>', 'how long to wait for the first answer from Datastore', DEFAULT_CONNECT_TIMEOUT)
    .option('--dry-run', 'count what would be deleted; delete nothing')
    .option('--json', 'print one JSON object instead of text')
    .version(VERSION, '-V, --version')
    .helpOption('-h, --help', 'show this help')
    .addHelpText(
      'after',
      `\nHonours DATASTORE_EMULATOR_HOST, GOOGLE_CLOUD_PROJECT and Application Default Credentials.\n${exitCodesHelp(true)}`,
    );
  return withIo(program, io);
}

type CleanupFlags = ReturnType<ReturnType<typeof cleanupProgram>['opts']>;

/** The validated settings of a run. */
export interface CleanupSettings {
  readonly target: DatastoreTarget;
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly olderThanMs: number | undefined;
  readonly batchSize: number;
  readonly maxTimeMs: number | undefined;
  readonly resumeAfter: string | undefined;
  readonly connectTimeoutMs: number;
  readonly dryRun: boolean;
  readonly json: boolean;
}

/**
 * Validates the flags (no I/O but reading the credentials file for its project id).
 * @throws {UsageError} saying which flag to change.
 */
export function resolveCleanupSettings(flags: CleanupFlags, io: Pick<CliIo, 'env' | 'readFile'>): CleanupSettings {
  const olderThanMs = durationFlag('--older-than', flags.olderThan);
  const resumeAfter = nameFlag('--resume-after', flags.resumeAfter, /^\S{1,500}$/, 'a session id printed by an earlier run');
  if (resumeAfter !== undefined && olderThanMs === undefined) throw new UsageError('--resume-after continues an --older-than scan: add --older-than');
  return {
    olderThanMs,
    resumeAfter,
    kind: nameFlag('--kind', flags.kind, isValidKind, DATASTORE_NAME_RULE) ?? DEFAULT_SESSION_KIND,
    namespace: nameFlag('--namespace', flags.namespace, isValidNamespace, NAMESPACE_RULE),
    batchSize: batchSizeFlag(flags.batchSize),
    maxTimeMs: durationFlag('--max-time', flags.maxTime),
    connectTimeoutMs: durationFlag('--connect-timeout', flags.connectTimeout) ?? 10_000,
    dryRun: flags.dryRun === true,
    json: flags.json === true,
    target: resolveDatastoreTarget(flags, io),
  };
}

/** The `--json` object of a finished run. */
function resultJson(result: CleanupResult, target: DatastoreTarget, exitCode: ExitCode): object {
  return {
    ...result,
    exitCode,
    target: { project: target.projectId, database: target.databaseId ?? null, emulator: target.emulatorHost ?? null },
  };
}

function report(io: CliIo, json: boolean, failure: Failure, progress?: CleanupProgress): ExitCode {
  const exitCode = exitCodeFor(failure.status);
  io.stderr.write(failureLine(NAME, failure));
  if (json) {
    const sofar = progress === undefined ? {} : { deleted: progress.deleted, scanned: progress.scanned, records: progress.records, revocations: progress.revocations };
    io.stdout.write(jsonLine({ command: 'cleanup', ...failure, exitCode, ...sofar }));
  }
  return exitCode;
}

/** Runs a validated cleanup: the probe, the sweep with progress, the summary. */
export async function runCleanup(settings: CleanupSettings, io: CliIo): Promise<ExitCode> {
  let client: { datastore: Datastore; close: (d: Datastore) => Promise<void> } | undefined;
  let last: CleanupProgress | undefined;
  try {
    // Loaded only now: `--help` and usage errors answer without loading the Datastore client.
    const [{ cleanup }, { closeDatastore, createDatastore }, { probeDatastore }] = await Promise.all([
      import('./cleanup.ts'),
      import('./datastore-client.ts'),
      import('./probe.ts'),
    ]);
    const datastore = createDatastore(settings.target);
    client = { datastore, close: closeDatastore };
    await probeDatastore(datastore, {
      kind: settings.kind,
      namespace: settings.namespace,
      timeoutMs: settings.connectTimeoutMs,
      where: describeTarget(settings.target),
    });
    const progress = progressLine(io.stderr, io.clock, { enabled: !settings.json, dryRun: settings.dryRun });
    let result: CleanupResult;
    try {
      result = await cleanup({
        datastore,
        kind: settings.kind,
        namespace: settings.namespace,
        olderThanMs: settings.olderThanMs,
        batchSize: settings.batchSize,
        maxTimeMs: settings.maxTimeMs,
        dryRun: settings.dryRun,
        resumeAfter: settings.resumeAfter,
        now: io.now(),
        clock: io.clock,
        onProgress: (p) => {
          last = p;
          progress.update({
            deleted: p.deleted + p.records.deleted + p.revocations.deleted,
            scanned: p.scanned + p.records.scanned + p.revocations.scanned,
          });
        },
      });
    } finally {
      progress.end();
    }
    const exitCode = exitCodeFor(result.status);
    io.stdout.write(settings.json ? jsonLine(resultJson(result, settings.target, exitCode)) : cleanupSummary(result, NAME));
    return exitCode;
  } catch (err) {
    return report(io, settings.json, toFailure(err), last);
  } finally {
    await client?.close(client.datastore);
  }
}

/**
 * `gaes-cleanup` from its arguments (without `node` and the script) to its exit code: parse, validate,
 * run, print. Never exits the process and never throws.
 * @example process.exitCode = await runCleanupCli(process.argv.slice(2), processIo());
 */
export async function runCleanupCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let settings: CleanupSettings;
  try {
    const program = cleanupProgram(io);
    program.parse([...argv], { from: 'user' });
    settings = resolveCleanupSettings(program.opts(), io);
  } catch (err) {
    if (endedByHelp(err)) return 0;
    return report(io, argv.includes('--json'), toFailure(err));
  }
  return runCleanup(settings, io);
}
