import { StoreRejectedError, StoreUnavailableError, type GaesError } from '@gaes/core';
import { DatastoreEntityTooLargeError } from './errors.ts';

/** gRPC status codes (from `@grpc/grpc-js`'s `status`), named for readability. */
export const GrpcCode = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/**
 * Codes that mean "this request is wrong or not allowed": retrying cannot help, and the error is a
 * {@link StoreRejectedError}. Every other failure (including errors without a gRPC code, such as a
 * credentials lookup that failed) means "Datastore cannot be used right now": a {@link StoreUnavailableError}.
 */
const PERMANENT: ReadonlySet<number> = new Set([
  GrpcCode.INVALID_ARGUMENT,
  GrpcCode.NOT_FOUND,
  GrpcCode.ALREADY_EXISTS,
  GrpcCode.PERMISSION_DENIED,
  GrpcCode.FAILED_PRECONDITION,
  GrpcCode.OUT_OF_RANGE,
  GrpcCode.UNIMPLEMENTED,
  GrpcCode.UNAUTHENTICATED,
]);

/**
 * gRPC gives no structured reason for an oversized entity, only INVALID_ARGUMENT and a message: the
 * service says `The value of property "payload" is longer than 1048487 bytes.` (or, for the whole entity,
 * "entity is too big"); emulators word it alike. This is the one place a message is read; callers get a
 * typed error with its own code.
 */
const TOO_LARGE = /too (big|large)|is longer than \d+ bytes|exceeds the maximum|maximum (entity )?size/i;

/** The gRPC status code of a client error, if it has one. */
export function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
}

/** Whether `err` is worth another attempt under `retryCodes`. */
export function isTransient(err: unknown, retryCodes: ReadonlySet<number>): boolean {
  const code = grpcCode(err);
  return code !== undefined && retryCodes.has(code);
}

/**
 * Turns a failed Datastore call into a typed gaes error (the client's error is kept as `cause`).
 * @param operation what was attempted, for the message (`lookup`, `upsert`, `delete`, `query`)
 * @param attempts how many attempts were made
 * @param payloadBytes size of the payload being written, for {@link DatastoreEntityTooLargeError}
 */
export function toStoreError(operation: string, err: unknown, attempts: number, payloadBytes?: number): GaesError {
  const code = grpcCode(err);
  if (code !== undefined && PERMANENT.has(code)) {
    if (code === GrpcCode.INVALID_ARGUMENT && payloadBytes !== undefined && TOO_LARGE.test(messageOf(err))) {
      return new DatastoreEntityTooLargeError(payloadBytes, { cause: err });
    }
    return new StoreRejectedError(`Datastore refused the session ${operation}`, { cause: err });
  }
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  return new StoreUnavailableError(`Datastore session ${operation} failed after ${tries}`, { cause: err });
}

function messageOf(err: unknown): string {
  const e = err as { details?: unknown; message?: unknown } | null | undefined;
  return `${typeof e?.details === 'string' ? e.details : ''} ${typeof e?.message === 'string' ? e.message : ''}`;
}
