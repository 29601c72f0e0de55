import { status } from '@grpc/grpc-js';

/** gRPC status codes the emulator answers with, named as the real service names them. */
export const Code = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  ABORTED: status.ABORTED,
  UNIMPLEMENTED: status.UNIMPLEMENTED,
  INTERNAL: status.INTERNAL,
} as const;

/**
 * An error the emulator sends as a gRPC status. `@grpc/grpc-js` reads `code` and `details` from it,
 * and the client sees them as `err.code` and `err.details`.
 */
export class RpcError extends Error {
  /** The gRPC status code (for example 6 for ALREADY_EXISTS). */
  readonly code: number;
  /** The status message sent to the client. */
  readonly details: string;

  constructor(code: number, details: string) {
    super(details);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** Shorthand for an INVALID_ARGUMENT error. */
export function invalidArgument(details: string): RpcError {
  return new RpcError(Code.INVALID_ARGUMENT, details);
}
