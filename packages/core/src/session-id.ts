import { randomBytes } from 'node:crypto';

/**
 * Session ids keep the original gae-sessions layout, 43 ASCII characters:
 * `EEEEEEEEEE` (absolute expiry, UNIX seconds, zero-padded to 10 digits) + `_` or `S` (SSL-only)
 * + 32 lowercase hex digits (128 bits from `crypto.randomBytes`).
 *
 * The fixed-width expiry prefix makes string order equal expiry order, so expired sessions can be
 * found with a keys-only key-range query, and an expired id can be rejected without any I/O.
 */
export const SESSION_ID_LENGTH = 43;

const EXPIRY_DIGITS = 10;
const MAX_EXPIRY_SECONDS = 9_999_999_999;

/** What an id says about its session. */
export interface SessionIdInfo {
  /** Absolute expiry in milliseconds since the epoch (a whole second). */
  readonly expiresAtMs: number;
  /** Whether the session may only be used over HTTPS. */
  readonly sslOnly: boolean;
}

/**
 * Creates a new random session id that expires at `expiresAtMs`, rounded UP to the whole second the id can
 * hold, so rounding never makes a session shorter than asked.
 */
export function createSessionId(expiresAtMs: number, sslOnly: boolean): string {
  const seconds = Math.min(Math.max(Math.ceil(expiresAtMs / 1000), 0), MAX_EXPIRY_SECONDS);
  return String(seconds).padStart(EXPIRY_DIGITS, '0') + (sslOnly ? 'S' : '_') + randomBytes(16).toString('hex');
}

/**
 * Parses an id strictly. Anything that is not exactly 10 digits, `_` or `S`, and 32 lowercase hex digits
 * gives `undefined`.
 */
export function parseSessionId(id: string): SessionIdInfo | undefined {
  if (typeof id !== 'string' || id.length !== SESSION_ID_LENGTH) return undefined;
  let seconds = 0;
  for (let i = 0; i < EXPIRY_DIGITS; i++) {
    const c = id.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    seconds = seconds * 10 + c;
  }
  const sep = id.charCodeAt(EXPIRY_DIGITS);
  if (sep !== 95 /* _ */ && sep !== 83 /* S */) return undefined;
  for (let i = EXPIRY_DIGITS + 1; i < SESSION_ID_LENGTH; i++) {
    const c = id.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return undefined;
  }
  return { expiresAtMs: seconds * 1000, sslOnly: sep === 83 };
}

/**
 * The smallest string greater than every id whose expiry is at or before `nowMs`: every id `< bound`
 * has expired. Used for keys-only range queries by the sweeper.
 */
export function expiredIdUpperBound(nowMs: number): string {
  const seconds = Math.min(Math.max(Math.floor(nowMs / 1000), 0), MAX_EXPIRY_SECONDS);
  // '~' (0x7e) sorts after '_' (0x5f) and 'S' (0x53), so it bounds every id with this expiry prefix.
  return String(seconds).padStart(EXPIRY_DIGITS, '0') + '~';
}
