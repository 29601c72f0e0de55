/**
 * Every error gaes throws on purpose is a {@link GaesError} with a stable `code`.
 * Match on `code`, never on the message: messages may be reworded.
 */
export class GaesError extends Error {
  /** A stable, machine-readable code such as `ERR_GAES_CONFIG`. */
  readonly code: string;
  /** The HTTP status a server should answer with when this error ends a request. */
  readonly statusCode: number;

  constructor(code: string, message: string, options?: { cause?: unknown; statusCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.statusCode = options?.statusCode ?? 500;
  }
}

/** Invalid options: the message says which option and what to change. */
export class ConfigError extends GaesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_GAES_CONFIG', message, options);
  }
}

/** Session data that the codec cannot represent (functions, symbols, class instances, cycles). */
export class UnserializableError extends GaesError {
  constructor(message: string) {
    super('ERR_GAES_UNSERIALIZABLE', message);
  }
}

/** Bytes that are not a valid encoding of session data. */
export class DecodeError extends GaesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_GAES_DECODE', message, options);
  }
}

/** The encoded session is larger than the hard limit; nothing was written. */
export class SessionTooLargeError extends GaesError {
  readonly sizeBytes: number;
  readonly maxBytes: number;
  constructor(sizeBytes: number, maxBytes: number) {
    super(
      'ERR_GAES_SESSION_TOO_LARGE',
      `session data encodes to ${sizeBytes} bytes, over the limit of ${maxBytes} bytes; nothing was saved`,
      { statusCode: 500 },
    );
    this.sizeBytes = sizeBytes;
    this.maxBytes = maxBytes;
  }
}

/** A session store (cache or Datastore) failed; the request cannot be answered safely. */
export class StoreUnavailableError extends GaesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_GAES_STORE_UNAVAILABLE', message, { ...options, statusCode: 503 });
  }
}

/** A store refused a value for a reason that retrying will not fix (e.g. entity too large). */
export class StoreRejectedError extends GaesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_GAES_STORE_REJECTED', message, { ...options, statusCode: 500 });
  }
}

/** A session method was used in a state where it cannot work (e.g. server-side data not loaded). */
export class SessionStateError extends GaesError {
  constructor(message: string) {
    super('ERR_GAES_SESSION_STATE', message);
  }
}
