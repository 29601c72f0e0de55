import { Command } from '@commander-js/extra-typings';
import type { Datastore } from '@google-cloud/datastore';
import {
  ConfigError,
  DATASTORE_NAME_RULE,
  DEFAULT_KEY_RING_KIND,
  DEFAULT_KEY_RING_NAME,
  isValidKeyName,
  isValidKind,
  isValidNamespace,
  MASTER_SECRET_VARIABLE,
  NAMESPACE_RULE,
  resolveMasterSecret,
} from '@gaes/core';
import { describeTarget, resolveDatastoreTarget, type DatastoreTarget } from './datastore-target.ts';
import { UsageError } from './errors.ts';
import { exitCodeFor, type ExitCode } from './exit-code.ts';
import { toFailure, type Failure } from './failure.ts';
import { durationFlag, nameFlag } from './flags.ts';
import type { CliIo } from './io.ts';
import type { KeysAction } from './keys.ts';
import { keysSummary } from './keys-render.ts';
import { endedByHelp, endedByMissingCommand, exitCodesHelp, withIo } from './program.ts';
import { failureLine, jsonLine } from './render.ts';
import { VERSION } from './version.ts';

const NAME = 'gaes-keys';
const MISSING_COMMAND = 'name a command: rotate, list or retire';

/** The `gaes-keys` command line; `chosen()` says which command the parse selected. */
export function keysProgram(io: CliIo) {
  let chosen: KeysAction | undefined;
  const program = withIo(
    new Command(NAME)
      .description('Rotate the cookie keys of gaes sessions, kept in one Datastore entity, without logging anyone out.')
      .option('--project <id>', 'Google Cloud project (default: GOOGLE_CLOUD_PROJECT, GCLOUD_PROJECT, DATASTORE_PROJECT_ID)')
      .option('--database <id>', 'Datastore database (default: the (default) database)')
      .option('--namespace <ns>', 'namespace of the key-ring entity (default: the default namespace)')
      .option('--ring-kind <kind>', 'kind of the key-ring entity', DEFAULT_KEY_RING_KIND)
      .option('--ring-name <name>', 'name of the key-ring entity', DEFAULT_KEY_RING_NAME)
      .option('--master-secret-env <VAR>', 'environment variable holding the master secret (32+ bytes)', MASTER_SECRET_VARIABLE)
      .option('--propagation <duration>', 'for a new ring: how long a new key stays staged before it seals (default: 5m)')
      .option('--lifetime <duration>', 'for a new ring: the session lifetime, how long a replaced key keeps opening (default: 7d)')
      .option('--connect-timeout <duration>', 'how long to wait for the first answer from Datastore', '10s')
      .option('--dry-run', 'report what would change; write nothing')
      .option('--json', 'print one JSON object instead of text')
      .version(VERSION, '-V, --version')
      .helpOption('-h, --help', 'show this help')
      .addHelpText('after', `\nOptions may follow the command (gaes-keys rotate --json).\n${exitCodesHelp(false)}`),
    io,
  );
  withIo(program.command('rotate').description('add a staged key (creates the ring if missing); safe to rerun').action(() => void (chosen = 'rotate')), io);
  withIo(program.command('list').description('show the keys, their roles and dates (never key material)').action(() => void (chosen = 'list')), io);
  const retire = withIo(
    program
      .command('retire')
      .description('remove keys that no live session can use any more')
      .option('--force <keyId>', 'also remove this previous key now (sessions sealed with it end: for a leaked key)')
      .action(() => void (chosen = 'retire')),
    io,
  );
  return { program, retire, chosen: () => chosen };
}

/** The validated settings of a `gaes-keys` run. */
export interface KeysSettings {
  readonly action: KeysAction;
  readonly target: DatastoreTarget;
  readonly namespace: string | undefined;
  readonly ringKind: string;
  readonly ringName: string;
  readonly masterSecret: string;
  readonly propagationMs: number | undefined;
  readonly lifetimeMs: number | undefined;
  readonly forceKeyId: string | undefined;
  readonly connectTimeoutMs: number;
  readonly dryRun: boolean;
  readonly json: boolean;
}

type KeysFlags = ReturnType<ReturnType<typeof keysProgram>['program']['opts']>;

/**
 * Validates the flags and reads the master secret from the environment (no I/O but that).
 * @throws {UsageError} saying which flag or variable to change.
 */
export function resolveKeysSettings(action: KeysAction, flags: KeysFlags, force: string | undefined, io: Pick<CliIo, 'env' | 'readFile'>): KeysSettings {
  const variable = flags.masterSecretEnv;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) throw new UsageError(`--master-secret-env "${variable}" is not an environment variable name`);
  return {
    action,
    masterSecret: masterSecretFrom(io.env, variable),
    namespace: nameFlag('--namespace', flags.namespace, isValidNamespace, NAMESPACE_RULE),
    ringKind: nameFlag('--ring-kind', flags.ringKind, isValidKind, DATASTORE_NAME_RULE) ?? DEFAULT_KEY_RING_KIND,
    ringName: nameFlag('--ring-name', flags.ringName, isValidKeyName, DATASTORE_NAME_RULE) ?? DEFAULT_KEY_RING_NAME,
    propagationMs: durationFlag('--propagation', flags.propagation),
    lifetimeMs: durationFlag('--lifetime', flags.lifetime),
    forceKeyId: nameFlag('--force', force, /^[0-9a-f]{1,64}$/, 'a key id as `gaes-keys list` shows it'),
    connectTimeoutMs: durationFlag('--connect-timeout', flags.connectTimeout) ?? 10_000,
    dryRun: flags.dryRun === true,
    json: flags.json === true,
    target: resolveDatastoreTarget(flags, io),
  };
}

/** The master secret in `variable` (`resolveMasterSecret`'s rule), or a usage error saying where it was looked for. */
function masterSecretFrom(env: CliIo['env'], variable: string): string {
  try {
    return resolveMasterSecret(undefined, { env, variable, alternative: 'name another variable with --master-secret-env' }) as string;
  } catch (err) {
    throw err instanceof ConfigError ? new UsageError(err.message, { cause: err }) : err;
  }
}

function report(io: CliIo, json: boolean, action: KeysAction | undefined, failure: Failure): ExitCode {
  const exitCode = exitCodeFor(failure.status);
  io.stderr.write(failureLine(action === undefined ? NAME : `${NAME} ${action}`, failure));
  if (json) io.stdout.write(jsonLine({ command: 'keys', ...(action === undefined ? {} : { action }), ...failure, exitCode }));
  return exitCode;
}

/** Runs a validated key-ring command: the probe, the command, the output. */
export async function runKeys(settings: KeysSettings, io: CliIo): Promise<ExitCode> {
  let client: { datastore: Datastore; close: (d: Datastore) => Promise<void> } | undefined;
  try {
    // Loaded only now: `--help` and usage errors answer without loading the Datastore client.
    const [{ keys }, { closeDatastore, createDatastore }, { probeDatastore }] = await Promise.all([
      import('./keys.ts'),
      import('./datastore-client.ts'),
      import('./probe.ts'),
    ]);
    const datastore = createDatastore(settings.target);
    client = { datastore, close: closeDatastore };
    await probeDatastore(datastore, {
      kind: settings.ringKind,
      namespace: settings.namespace,
      timeoutMs: settings.connectTimeoutMs,
      where: describeTarget(settings.target),
    });
    const result = await keys(settings.action, { ...settings, datastore, now: io.now() });
    const exitCode = exitCodeFor(result.status);
    io.stdout.write(
      settings.json
        ? jsonLine({ ...result, exitCode, target: { project: settings.target.projectId, database: settings.target.databaseId ?? null, emulator: settings.target.emulatorHost ?? null } })
        : keysSummary(result, settings),
    );
    return exitCode;
  } catch (err) {
    return report(io, settings.json, settings.action, toFailure(err));
  } finally {
    await client?.close(client.datastore);
  }
}

/**
 * `gaes-keys` from its arguments to its exit code: parse, validate, run, print. Never exits the
 * process and never throws.
 */
export async function runKeysCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let settings: KeysSettings;
  let action: KeysAction | undefined;
  try {
    const { program, retire, chosen } = keysProgram(io);
    program.parse([...argv], { from: 'user' });
    action = chosen();
    if (action === undefined) throw new UsageError(MISSING_COMMAND);
    settings = resolveKeysSettings(action, program.opts(), retire.opts().force, io);
  } catch (err) {
    if (endedByHelp(err)) return 0;
    const failure = toFailure(endedByMissingCommand(err) ? new UsageError(MISSING_COMMAND) : err);
    return report(io, argv.includes('--json'), action, failure);
  }
  return runKeys(settings, io);
}
