import { GaesError } from '@gaes/core';

/**
 * The command line is wrong (an unknown flag, a bad duration, a missing project, …): nothing was
 * contacted or changed. The message says what to change. Exit code 2.
 */
export class UsageError extends GaesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_GAES_USAGE', message, options);
  }
}

/**
 * Datastore did not answer the first request in time, or refused it (no credentials, no permission,
 * no such database): nothing was changed. Exit code 1.
 */
export class DatastoreUnreachableError extends GaesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_GAES_DATASTORE_UNREACHABLE', message, { ...options, statusCode: 503 });
  }
}
