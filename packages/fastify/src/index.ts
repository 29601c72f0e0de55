export { default, default as gaeSessions } from './plugin.ts';
export { getCurrentSession } from './current-session.ts';
export { Session } from './session.ts';
export type { SessionData, SessionKey, SessionValueOf } from './session-data.ts';
export {
  MAX_DATASTORE_SESSION_BYTES,
  resolveOptions,
  type DatastoreRetryOptions,
  type GaesSessionOptions,
  type KeyRingSource,
  type ResolvedOptions,
  type SessionCookieOptions,
} from './options.ts';
export { KeyvSessionStore, type KeyvStoreOptions, type StoreLogger } from './keyv-store.ts';
export { TieredStore, type ServerTier } from './tiered-store.ts';
export { GaesError, SessionStateError, SessionTooLargeError, StoreUnavailableError } from '@gaes/core';
