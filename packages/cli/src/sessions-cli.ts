import { Command } from '@commander-js/extra-typings';
import {
  DATASTORE_NAME_RULE,
  DEFAULT_SESSION_KIND,
  HANDLE_LENGTH,
  isSessionHandle,
  isValidKind,
  isValidNamespace,
  MAX_USER_ID_BYTES,
  NAMESPACE_RULE,
  USER_SESSION_KIND,
} from '@gaes/core';
import type { Datastore } from '@google-cloud/datastore';
import { describeTarget, resolveDatastoreTarget, type DatastoreTarget } from './datastore-target.ts';
import { UsageError } from './errors.ts';
import { exitCodeFor, type ExitCode } from './exit-code.ts';
import { toFailure, type Failure } from './failure.ts';
import { durationFlag, nameFlag } from './flags.ts';
import type { CliIo } from './io.ts';
import { endedByHelp, endedByMissingCommand, exitCodesHelp, withIo } from './program.ts';
import { failureLine, jsonLine } from './render.ts';
import type { SessionsRequest } from './sessions.ts';
import { sessionsSummary } from './sessions-render.ts';
import { VERSION } from './version.ts';

const NAME = 'gaes-sessions';
const MISSING_COMMAND = 'name a command: list or end';
/** The apps' default session `lifetime` (`@gaes/fastify`'s `lifetime` option). */
const DEFAULT_LIFETIME = '7d';

const HELP_AFTER = `
Options may follow the command (gaes-sessions list --user alice --json).

Ending a session revokes it in Datastore: every app instance refuses it within its revocationPoll, whatever
its tier (cookies included). Then the sessions' entities in Datastore (--kind) and their records are deleted.
This command cannot reach the app's cache (Redis, Memcached): a copy there is not deleted, it is refused
through the revocation within revocationPoll.

"end --handle" with a handle that names no live session of the user (unknown, another user's, expired or
already ended) ends nothing and writes nothing: exit 0, "ended": 0.
${exitCodesHelp(false, 'bad flag or value, no project, a malformed --user or --handle')}`;

/** The `gaes-sessions` command line; `chosen()` says which command the parse selected. */
export function sessionsProgram(io: CliIo) {
  let chosen: SessionsRequest['action'] | undefined;
  const program = withIo(
    new Command(NAME)
      .description("List and end a user's gaes sessions (those the app bound with setUser), from outside the app.")
      .option('--project <id>', 'Google Cloud project (default: GOOGLE_CLOUD_PROJECT, GCLOUD_PROJECT, DATASTORE_PROJECT_ID)')
      .option('--database <id>', 'Datastore database (default: the (default) database)')
      .option('--namespace <ns>', 'namespace of the sessions, their records and revocations (default: the default namespace)')
      .option('--kind <kind>', 'kind of the session entities, deleted when a session ends', DEFAULT_SESSION_KIND)
      .option('--connect-timeout <duration>', 'how long to wait for the first answer from Datastore', '10s')
      .option('--json', 'print one JSON object instead of text')
      .version(VERSION, '-V, --version')
      .helpOption('-h, --help', 'show this help')
      .addHelpText('after', HELP_AFTER),
    io,
  );
  const list = withIo(
    program
      .command('list')
      .description("the user's live sessions, newest activity first: handle, signed in, last seen, expires, user agent")
      .requiredOption('--user <id>', 'the user id the app passed to setUser')
      .action(() => void (chosen = 'list')),
    io,
  );
  const end = withIo(
    program
      .command('end')
      .description('end one session (--handle) or every session of the user (--all)')
      .requiredOption('--user <id>', 'the user id the app passed to setUser')
      .option('--handle <handle>', 'the session to end, as `list` shows it')
      .option('--all', 'end every session of the user, listed or not (sign out everywhere)')
      .option('--lifetime <duration>', `with --all: the apps' session lifetime, how long the revocation must last (default: ${DEFAULT_LIFETIME})`)
      .addHelpText(
        'after',
        "\nThe sessions are revoked (every app instance refuses them within its revocationPoll), then their Datastore\nentities and records are deleted. Copies in the app's cache (Redis, Memcached) are out of reach: refused\nthrough the revocation, not deleted. A handle naming no live session of the user ends nothing: exit 0.\n",
      )
      .action(() => void (chosen = 'end')),
    io,
  );
  return { program, list, end, chosen: () => chosen };
}

type Parsed = ReturnType<typeof sessionsProgram>;
type GlobalFlags = ReturnType<Parsed['program']['opts']>;
/** The flags of `list` and `end` (those of `end` absent for `list`). */
interface CommandFlags {
  readonly user: string;
  readonly handle?: string | undefined;
  readonly all?: boolean | undefined;
  readonly lifetime?: string | undefined;
}

/** The validated settings of a `gaes-sessions` run. */
export interface SessionsSettings {
  readonly request: SessionsRequest;
  readonly userId: string;
  readonly target: DatastoreTarget;
  readonly namespace: string | undefined;
  readonly kind: string;
  readonly connectTimeoutMs: number;
  readonly json: boolean;
}

function userFlag(value: string): string {
  if (value === '' || Buffer.byteLength(value) > MAX_USER_ID_BYTES) throw new UsageError(`--user must be a user id of 1–${MAX_USER_ID_BYTES} UTF-8 bytes`);
  return value;
}

function endRequest(flags: CommandFlags): SessionsRequest {
  if ((flags.handle === undefined) === (flags.all !== true)) throw new UsageError('end takes exactly one of --handle <handle> and --all');
  if (flags.handle !== undefined) {
    if (flags.lifetime !== undefined) throw new UsageError('--lifetime goes with --all: one ended session is revoked until it would have expired');
    if (!isSessionHandle(flags.handle)) throw new UsageError(`--handle "${flags.handle}" is not a session handle: ${HANDLE_LENGTH} characters, as \`${NAME} list\` shows it`);
    return { action: 'end', handle: flags.handle };
  }
  return { action: 'end', all: true, lifetimeMs: durationFlag('--lifetime', flags.lifetime ?? DEFAULT_LIFETIME) as number };
}

/**
 * Validates the flags (no I/O but reading the credentials file for its project id).
 * @throws {UsageError} saying which flag to change.
 */
export function resolveSessionsSettings(
  action: SessionsRequest['action'],
  flags: GlobalFlags,
  sub: CommandFlags,
  io: Pick<CliIo, 'env' | 'readFile'>,
): SessionsSettings {
  return {
    request: action === 'list' ? { action: 'list' } : endRequest(sub),
    userId: userFlag(sub.user),
    namespace: nameFlag('--namespace', flags.namespace, isValidNamespace, NAMESPACE_RULE),
    kind: nameFlag('--kind', flags.kind, isValidKind, DATASTORE_NAME_RULE) ?? DEFAULT_SESSION_KIND,
    connectTimeoutMs: durationFlag('--connect-timeout', flags.connectTimeout) ?? 10_000,
    json: flags.json === true,
    target: resolveDatastoreTarget(flags, io),
  };
}

function report(io: CliIo, json: boolean, action: SessionsRequest['action'] | undefined, failure: Failure): ExitCode {
  const exitCode = exitCodeFor(failure.status);
  io.stderr.write(failureLine(action === undefined ? NAME : `${NAME} ${action}`, failure));
  if (json) io.stdout.write(jsonLine({ command: 'sessions', ...(action === undefined ? {} : { action }), ...failure, exitCode }));
  return exitCode;
}

/** Runs a validated command: the probe, the command, the output. */
export async function runSessions(settings: SessionsSettings, io: CliIo): Promise<ExitCode> {
  let client: { datastore: Datastore; close: (d: Datastore) => Promise<void> } | undefined;
  try {
    // Loaded only now: `--help` and usage errors answer without loading the Datastore client.
    const [{ sessions }, { closeDatastore, createDatastore }, { probeDatastore }] = await Promise.all([
      import('./sessions.ts'),
      import('./datastore-client.ts'),
      import('./probe.ts'),
    ]);
    const datastore = createDatastore(settings.target);
    client = { datastore, close: closeDatastore };
    await probeDatastore(datastore, {
      kind: USER_SESSION_KIND,
      namespace: settings.namespace,
      timeoutMs: settings.connectTimeoutMs,
      where: describeTarget(settings.target),
    });
    const result = await sessions(settings.request, { datastore, userId: settings.userId, namespace: settings.namespace, kind: settings.kind, now: io.now() });
    const exitCode = exitCodeFor(result.status);
    const target = { project: settings.target.projectId, database: settings.target.databaseId ?? null, emulator: settings.target.emulatorHost ?? null };
    io.stdout.write(settings.json ? jsonLine({ ...result, exitCode, target }) : sessionsSummary(result));
    return exitCode;
  } catch (err) {
    return report(io, settings.json, settings.request.action, toFailure(err));
  } finally {
    await client?.close(client.datastore);
  }
}

/**
 * `gaes-sessions` from its arguments to its exit code: parse, validate, run, print. Never exits the process
 * and never throws.
 * @example process.exitCode = await runSessionsCli(process.argv.slice(2), processIo());
 */
export async function runSessionsCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let settings: SessionsSettings;
  let action: SessionsRequest['action'] | undefined;
  try {
    const { program, list, end, chosen } = sessionsProgram(io);
    program.parse([...argv], { from: 'user' });
    action = chosen();
    if (action === undefined) throw new UsageError(MISSING_COMMAND);
    settings = resolveSessionsSettings(action, program.opts(), action === 'list' ? list.opts() : end.opts(), io);
  } catch (err) {
    if (endedByHelp(err)) return 0;
    const failure = toFailure(endedByMissingCommand(err) ? new UsageError(MISSING_COMMAND) : err);
    return report(io, argv.includes('--json'), action, failure);
  }
  return runSessions(settings, io);
}
