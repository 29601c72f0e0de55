/**
 * The cluster harness could not do what was asked. Match on `code`, never on the message.
 *
 * Codes: `ERR_GAES_CLUSTER_CONFIG` (a configuration that does not parse or validate),
 * `ERR_GAES_CLUSTER_START` (a child exited or did not print its ready line in time; the message ends with
 * the tail of its stderr), `ERR_GAES_CLUSTER_STOP` (a child outlived SIGKILL), `ERR_GAES_CLUSTER_TIMEOUT`
 * (an HTTP request got no answer in time), `ERR_GAES_CLUSTER_REQUEST` (an HTTP request failed on the socket), `ERR_GAES_CLUSTER_UNMANAGED` (pause asked of an emulator
 * this package did not start).
 */
export class ClusterError extends Error {
  /** A stable, machine-readable code (`ERR_GAES_CLUSTER_*`). */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}
