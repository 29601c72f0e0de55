export { default, default as gaeSessions } from './plugin.ts';
export { getCurrentSession } from './current-session.ts';
export { Session } from './session.ts';
export type { SessionData, SessionKey, SessionValueOf } from './session-data.ts';
export {
  MAX_DATASTORE_SESSION_BYTES,
  type DatastoreRetryOptions,
  type GaesSessionOptions,
  type KeyRingSource,
  type SessionCookieOptions,
} from './options.ts';
export { GaesError, SessionStateError, SessionTooLargeError, StoreUnavailableError, type SessionStore } from '@gaes/core';
