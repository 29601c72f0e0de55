import { StoreRejectedError } from '@gaes/core';

/**
 * Datastore refused a session entity because it is too large (a property over `DATASTORE_MAX_PROPERTY_BYTES`,
 * or an entity over `DATASTORE_MAX_ENTITY_BYTES`: see `@gaes/core`'s `datastore-limits.ts`).
 * Retrying will not help; the session must shrink. Nothing was written, so the previous state stays intact.
 *
 * It is a {@link StoreRejectedError} (HTTP 500) with its own code.
 */
export class DatastoreEntityTooLargeError extends StoreRejectedError {
  /** Always `ERR_GAES_DATASTORE_ENTITY_TOO_LARGE`. */
  override readonly code = 'ERR_GAES_DATASTORE_ENTITY_TOO_LARGE';
  /** Size of the sealed payload that was refused, in bytes. */
  readonly payloadBytes: number;

  constructor(payloadBytes: number, options?: { cause?: unknown }) {
    super(`the sealed session (${payloadBytes} bytes) is too large for a Datastore entity; nothing was saved`, options);
    this.payloadBytes = payloadBytes;
  }
}
