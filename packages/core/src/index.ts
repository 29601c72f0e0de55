export { parseDuration, type Duration } from './duration.ts';
export {
  ConfigError,
  DecodeError,
  GaesError,
  SessionEndedError,
  SessionStateError,
  SessionTooLargeError,
  StoreRejectedError,
  StoreUnavailableError,
  UnserializableError,
} from './errors.ts';
export { createSessionId, expiredIdUpperBound, parseSessionId, SESSION_ID_LENGTH, type SessionIdInfo } from './session-id.ts';
export { decodeSessionData, decodeSessionText, encodeSessionData, type SessionValue } from './codec.ts';
export { KeyRing, MIN_SECRET_BYTES, type Secret, type SealKey } from './keyring.ts';
export {
  assertSealAlgorithm,
  defaultSealAlgorithm,
  openSeal,
  seal,
  SEAL_VERSION_AES_GCM,
  SEAL_VERSION_XCHACHA,
  sealFromString,
  SealPurpose,
  sealToString,
  type OpenFailure,
  type OpenResult,
  type SealAlgorithm,
} from './seal.ts';
export {
  cookieMayBePointer,
  openEnvelope,
  openStored,
  sealEnvelope,
  sealStored,
  type EnvelopeResult,
  type SessionEnvelope,
} from './envelope.ts';
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
export type { SessionStore } from './store.ts';
