import { Buffer } from 'node:buffer';
import type { KeyRing } from './keyring.ts';
import {
  openSeal,
  seal,
  SEAL_VERSION_AES_GCM,
  SEAL_VERSION_XCHACHA,
  SealPurpose,
  sealFromString,
  sealToString,
  type OpenFailure,
  type SealAlgorithm,
} from './seal.ts';
import { parseSessionId, SESSION_ID_LENGTH, type SessionIdInfo } from './session-id.ts';

/**
 * What a session cookie carries, inside the seal:
 *
 *   session id (43 ASCII bytes) | last activity (float64 ms, big-endian) | encoded data (cookie tier only)
 *
 * The purpose byte of the seal says whether data follows (cookie tier) or the data lives server-side.
 */
export interface SessionEnvelope extends SessionIdInfo {
  readonly id: string;
  /** When the session was last saved or touched, in ms since the epoch (for the idle timeout). */
  readonly lastActiveMs: number;
  /** Encoded session data for the cookie tier; `undefined` when the data lives server-side. */
  readonly data: Buffer | undefined;
}

/** The result of {@link openEnvelope}. */
export type EnvelopeResult =
  | { readonly ok: true; readonly envelope: SessionEnvelope; readonly renew: boolean }
  | { readonly ok: false; readonly reason: OpenFailure | 'bad-id' };

const FIXED_BYTES = SESSION_ID_LENGTH + 8;

/** Seals an envelope into a cookie value. `data` undefined makes a pointer to server-side data. */
export function sealEnvelope(
  ring: KeyRing,
  id: string,
  lastActiveMs: number,
  data: Uint8Array | undefined,
  algorithm?: SealAlgorithm,
): string {
  const plaintext = Buffer.allocUnsafe(FIXED_BYTES + (data?.byteLength ?? 0));
  plaintext.write(id, 0, SESSION_ID_LENGTH, 'latin1');
  plaintext.writeDoubleBE(lastActiveMs, SESSION_ID_LENGTH);
  if (data !== undefined) plaintext.set(data, FIXED_BYTES);
  const purpose = data === undefined ? SealPurpose.pointer : SealPurpose.cookie;
  return sealToString(seal(ring, purpose, plaintext, undefined, algorithm));
}

/** The sealed length (in cookie characters) of an envelope whose encoded data is `dataBytes` long. */
export function envelopeCookieLength(dataBytes: number, algorithm?: SealAlgorithm): number {
  const nonce = algorithm === 'aes-256-gcm' ? 12 : 24;
  return Math.ceil(((6 + nonce + 16 + FIXED_BYTES + dataBytes) * 4) / 3);
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The second base64url character of a seal with this version and purpose: 2 low bits of one, 4 high of the other. */
function secondChar(version: number, purpose: number): number {
  return BASE64URL.charCodeAt(((version & 0x03) << 4) | (purpose >> 4));
}

const POINTER_CHARS = [SEAL_VERSION_XCHACHA, SEAL_VERSION_AES_GCM].map((v) => secondChar(v, SealPurpose.pointer));

/**
 * Whether a (joined) session cookie may point to server-side data, read from the seal header's characters
 * without decoding anything: a cheap hint for deciding to load before the handler; opening decides.
 * A value split over several cookies starts with `<count>.`; a re-split value whose first chunk is too short
 * to show the purpose may be a pointer.
 */
export function cookieMayBePointer(value: string): boolean {
  const start = value.indexOf('.') + 1;
  if (value.length < start + 2) return start > 0;
  return POINTER_CHARS.includes(value.charCodeAt(start + 1));
}

/** Opens a cookie value made by {@link sealEnvelope}; every failure is a result, never an exception. */
export function openEnvelope(ring: KeyRing, cookieValue: string): EnvelopeResult {
  const sealed = sealFromString(cookieValue);
  if (sealed === undefined) return { ok: false, reason: 'malformed' };
  const purpose = sealed[1] === SealPurpose.pointer ? SealPurpose.pointer : SealPurpose.cookie;
  const opened = openSeal(ring, purpose, sealed);
  if (!opened.ok) return opened;
  const { plaintext } = opened;
  if (plaintext.byteLength < FIXED_BYTES) return { ok: false, reason: 'malformed' };
  const id = plaintext.toString('latin1', 0, SESSION_ID_LENGTH);
  const info = parseSessionId(id);
  if (info === undefined) return { ok: false, reason: 'bad-id' };
  const data = purpose === SealPurpose.cookie ? plaintext.subarray(FIXED_BYTES) : undefined;
  return {
    ok: true,
    renew: opened.renew,
    envelope: { id, ...info, lastActiveMs: plaintext.readDoubleBE(SESSION_ID_LENGTH), data },
  };
}

/** Seals encoded session data for the cache or Datastore, bound to its session id. */
export function sealStored(ring: KeyRing, id: string, data: Uint8Array, algorithm?: SealAlgorithm): Buffer {
  return seal(ring, SealPurpose.stored, data, Buffer.from(id, 'latin1'), algorithm);
}

/** Opens a stored value; a value sealed for another session id does not open. */
export function openStored(
  ring: KeyRing,
  id: string,
  sealed: Uint8Array,
): { readonly ok: true; readonly data: Buffer; readonly renew: boolean } | { readonly ok: false; readonly reason: OpenFailure } {
  const opened = openSeal(ring, SealPurpose.stored, sealed, Buffer.from(id, 'latin1'));
  return opened.ok ? { ok: true, data: opened.plaintext, renew: opened.renew } : opened;
}
