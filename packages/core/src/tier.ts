import { SessionTooLargeError } from './errors.ts';

/** Where a session's data lives. `datastore` is reported for server-side sessions read from Datastore. */
export type SessionTier = 'cookie' | 'cache' | 'datastore';

/** Default largest encoded size kept in cookies (as in the original library). */
export const DEFAULT_COOKIE_ONLY_THRESHOLD = 10_240;

/** Hard limit on encoded session data: one cache entry. */
export const MAX_SESSION_BYTES = 1_048_576;

/**
 * Chooses the tier for encoded data of `encodedBytes`: cookies when at most `cookieOnlyThreshold`
 * (0 disables cookie data), else server-side.
 * @throws {SessionTooLargeError} over {@link MAX_SESSION_BYTES} (or `maxBytes`).
 */
export function chooseTier(
  encodedBytes: number,
  cookieOnlyThreshold: number,
  maxBytes: number = MAX_SESSION_BYTES,
): 'cookie' | 'server' {
  if (encodedBytes > maxBytes) throw new SessionTooLargeError(encodedBytes, maxBytes);
  return cookieOnlyThreshold > 0 && encodedBytes <= cookieOnlyThreshold ? 'cookie' : 'server';
}
