import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Where a command writes: a stream with `write` (and `isTTY` for progress lines). */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

/**
 * Everything a command takes from its surroundings, so the commands run the same in a process, in
 * a test and inside an app: streams, environment, clocks.
 */
export interface CliIo {
  /** Results (the summary, or the `--json` object). */
  readonly stdout: OutputStream;
  /** Progress (on a TTY) and error messages. */
  readonly stderr: OutputStream;
  /** The environment (`DATASTORE_EMULATOR_HOST`, `GOOGLE_CLOUD_PROJECT`, the master secret, …). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Wall-clock time in ms since the epoch: what session expiries and key ages are judged against. */
  readonly now: () => number;
  /** A clock in ms for `--max-time` and rates (need not be wall-clock time). */
  readonly clock: () => number;
  /** Reads a UTF-8 file (the credentials file named by `GOOGLE_APPLICATION_CREDENTIALS`). */
  readonly readFile: (path: string) => string;
}

/** The real process: its streams and environment, `Date.now` and a monotonic clock. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    now: Date.now,
    clock: () => performance.now(),
    readFile: (path) => readFileSync(path, 'utf8'),
  };
}
