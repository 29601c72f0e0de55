export { parseDuration, type Duration } from './duration.ts';
export {
  ConfigError,
  DecodeError,
  GaesError,
  SessionStateError,
  SessionTooLargeError,
  StoreRejectedError,
  StoreUnavailableError,
  UnserializableError,
} from './errors.ts';
export { createSessionId, expiredIdUpperBound, parseSessionId, SESSION_ID_LENGTH, type SessionIdInfo } from './session-id.ts';
export { decodeSessionData, decodeSessionText, encodeSessionData, type SessionValue } from './codec.ts';
export { KeyRing, MIN_SECRET_BYTES, type Secret, type SealKey } from './keyring.ts';
export { MASTER_SECRET_VARIABLE, resolveMasterSecret, type MasterSecretSource } from './master-secret.ts';
export {
  assertKeyName,
  assertKind,
  assertNamespace,
  DATASTORE_NAME_RULE,
  DEFAULT_KEY_RING_KIND,
  DEFAULT_KEY_RING_NAME,
  DEFAULT_SESSION_KIND,
  isValidKeyName,
  isValidKind,
  isValidNamespace,
  MAX_DATASTORE_NAME_BYTES,
  MAX_DATASTORE_NAME_LENGTH,
  MAX_NAMESPACE_BYTES,
  NAMESPACE_RULE,
  SessionEntityProperty,
  USER_KIND,
  USER_SESSION_KIND,
} from './datastore-names.ts';
export {
  DATASTORE_MAX_ENTITY_BYTES,
  DATASTORE_MAX_MUTATIONS_PER_COMMIT,
  DATASTORE_MAX_PROPERTY_BYTES,
  datastoreStringBytes,
  MAX_DATASTORE_SESSION_BYTES,
  MAX_SEALED_SESSION_BYTES,
  MAX_SESSION_ENTITY_OVERHEAD_BYTES,
} from './datastore-limits.ts';
export {
  assertSealAlgorithm,
  defaultSealAlgorithm,
  MAX_SEAL_OVERHEAD_BYTES,
  openSeal,
  seal,
  SEAL_VERSION_AES_GCM,
  SEAL_VERSION_XCHACHA,
  sealFromString,
  sealOverheadBytes,
  SealPurpose,
  sealToString,
  type OpenFailure,
  type OpenResult,
  type SealAlgorithm,
} from './seal.ts';
export {
  cookieMayBePointer,
  openEnvelope,
  sealEnvelope,
  type EnvelopeResult,
  type SessionEnvelope,
} from './envelope.ts';
export { MAX_RECORD_HEADER_BYTES, openRecord, sealRecord, type RecordResult, type SessionRecord } from './record.ts';
export {
  assertUserId,
  HANDLE_LENGTH,
  isSessionHandle,
  legacySessionHandle,
  lineageTag,
  MAX_META_BYTES,
  MAX_USER_ID_BYTES,
  newSessionHandle,
  type SessionMeta,
  type SessionPredecessor,
  type SessionUser,
} from './session-meta.ts';
export { expiryState, needsTouch, type ExpiryRule, type ExpiryState } from './expiry.ts';
export { EnvelopeCache } from './envelope-cache.ts';
export {
  chunkedSetCookies,
  clearingSetCookie,
  MAX_COOKIE_CHUNKS,
  MAX_SET_COOKIE_BYTES,
  readChunkedCookie,
  serializeAttributes,
  type ChunkedCookie,
  type SessionCookieAttributes,
} from './cookie-chunks.ts';
export { chooseTier, DEFAULT_COOKIE_ONLY_THRESHOLD, MAX_SESSION_BYTES, type SessionTier } from './tier.ts';
export { isVersionedStore, type SessionStore, type VersionedSessionStore, type VersionedValue, type VersionedWrite } from './store.ts';
export {
  applyRevocation,
  isRevokedBy,
  type RevocationChange,
  type RevokedHandle,
  type UserDirectory,
  type UserRevocation,
  type UserSessionRecord,
} from './user-directory.ts';
