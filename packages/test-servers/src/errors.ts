/**
 * A test server could not be found, started, stopped or restarted. Match on `code`, never on the message.
 *
 * Codes: `ERR_GAES_TEST_SERVER_MISSING` (no binary and no URL), `ERR_GAES_TEST_SERVER_START` (it exited or
 * never accepted connections), `ERR_GAES_TEST_SERVER_STOP` (it outlived SIGKILL), `ERR_GAES_TEST_SERVER_UNMANAGED`
 * (stop/restart asked of a server given by URL, which this package did not start).
 */
export class TestServerError extends Error {
  /** A stable, machine-readable code (`ERR_GAES_TEST_SERVER_*`). */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}
