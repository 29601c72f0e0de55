/**
 * The exit codes of `gaes-cleanup`, `gaes-keys` and `gaes-sessions`. Finding nothing to do (no expired session,
 * no key to retire, no live session to end) is not an error: 0.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | done |
 * | 1 | error (Datastore unreachable or refused, a failure mid-run); rerunning is safe |
 * | 2 | usage error (bad flag or value, no project, no master secret); nothing was contacted or changed |
 * | 3 | stopped at `--max-time` with work left; rerun to continue |
 */
export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
  partial: 3,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What a command's run came to, as far as the exit code is concerned. */
export type RunStatus = 'done' | 'partial' | 'usage-error' | 'error';

/** The exit code of a run: a pure function of its status. */
export function exitCodeFor(status: RunStatus): ExitCode {
  switch (status) {
    case 'done':
      return ExitCode.ok;
    case 'partial':
      return ExitCode.partial;
    case 'usage-error':
      return ExitCode.usage;
    case 'error':
      return ExitCode.error;
  }
}
