export { default, default as gaeSessions } from './plugin.ts';
export { getCurrentSession } from './current-session.ts';
export { Session, type RegenerateOptions } from './session.ts';
export type { SessionData, SessionKey, SessionValueOf } from './session-data.ts';
export {
  MAX_DATASTORE_SESSION_BYTES,
  type CircuitBreakerOptions,
  type DatastoreRetryOptions,
  type GaesSessionOptions,
  type KeyRingSource,
  type SessionCookieOptions,
} from './options.ts';
export type { GaesSessionInfo, GaesUsersApi } from './users/gaes-api.ts';
export { CircuitOpenError } from './breaker.ts';
export {
  GaesError,
  SessionStateError,
  SessionTooLargeError,
  StoreRejectedError,
  StoreUnavailableError,
  type SessionStore,
  type VersionedSessionStore,
} from '@gaes/core';
