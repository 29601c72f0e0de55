import { CommanderError } from '@commander-js/extra-typings';
import { ExitCode } from './exit-code.ts';
import type { CliIo } from './io.ts';

/**
 * The exit codes, for the end of `--help` (code 3 only where there is a `--max-time`).
 * @param usage what makes a usage error for this command
 */
export function exitCodesHelp(withMaxTime: boolean, usage = 'bad flag or value, no project, no master secret'): string {
  return [
    '',
    'Exit codes:',
    '  0  done',
    '  1  error (Datastore unreachable or refused, a failure mid-run); rerunning is safe',
    `  2  usage error (${usage}); nothing was changed`,
    ...(withMaxTime ? ['  3  stopped at --max-time with work left; run again to continue'] : []),
    '',
  ].join('\n');
}

/** What commander needs to write through `io` and throw instead of exiting (so no `process.exit` anywhere). */
interface Configurable {
  exitOverride(): unknown;
  configureOutput(config: { writeOut(str: string): void; writeErr(str: string): void; outputError(str: string, write: (str: string) => void): void }): unknown;
}

/**
 * Makes a commander program write `--help` and `--version` to `io.stdout` and throw a `CommanderError`
 * instead of exiting. Its error output (messages, and the help it shows when a command is missing) is
 * muted: the runner prints one line, or one JSON object, for every failure.
 */
export function withIo<C extends Configurable>(program: C, io: CliIo): C {
  program.exitOverride();
  program.configureOutput({
    writeOut: (str) => void io.stdout.write(str),
    writeErr: () => undefined,
    outputError: () => undefined,
  });
  return program;
}

/** Commander showed help because no command was named (`gaes-keys` alone). */
export function endedByMissingCommand(err: unknown): boolean {
  return err instanceof CommanderError && err.code === 'commander.help';
}

/** `--help` and `--version` end the parse with exit code 0: nothing else to do. */
export function endedByHelp(err: unknown): boolean {
  return err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') && err.exitCode === ExitCode.ok;
}
