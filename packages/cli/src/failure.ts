import { CommanderError } from '@commander-js/extra-typings';
import { ConfigError, GaesError } from '@gaes/core';
import { UsageError } from './errors.ts';

/** A failed run, as `--json` prints it and the cron routes answer with it. */
export interface Failure {
  /** `usage-error`: nothing was contacted or changed, fix the command line; `error`: anything else. */
  readonly status: 'usage-error' | 'error';
  readonly error: {
    /** A stable code (`ERR_GAES_USAGE`, `ERR_GAES_DATASTORE_UNREACHABLE`, `ERR_GAES_STORE_UNAVAILABLE`, …). */
    readonly code: string;
    /** One line saying what went wrong and what to change. */
    readonly message: string;
  };
}

function oneLine(text: string): string {
  return text
    .replace(/^error:\s*/i, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');
}

/** The gRPC detail (or message) of a client error kept as `cause`, for the one-line message. */
function causeDetail(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  const c = cause as { details?: unknown; message?: unknown };
  const text = typeof c.details === 'string' && c.details !== '' ? c.details : typeof c.message === 'string' ? c.message : undefined;
  return text === undefined ? undefined : oneLine(text);
}

/**
 * Classifies what a command threw. Usage errors are those of the command line and configuration
 * (commander's parse errors, {@link UsageError}, `ConfigError`); every other failure is an error.
 */
export function toFailure(err: unknown): Failure {
  if (err instanceof CommanderError) return toFailure(new UsageError(oneLine(err.message)));
  if (err instanceof GaesError) {
    const usage = err instanceof UsageError || err instanceof ConfigError;
    const cause = causeDetail(err.cause);
    const message = cause === undefined || err.message.includes(cause) ? err.message : `${err.message} (${cause})`;
    return { status: usage ? 'usage-error' : 'error', error: { code: err.code, message: oneLine(message) } };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 'error', error: { code: 'ERR_GAES_UNEXPECTED', message: oneLine(message) } };
}
