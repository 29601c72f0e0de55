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
import { legacySessionHandle, metaBytes, readMeta, writeMeta, type SessionMeta } from './session-meta.ts';

/**
 * What a session cookie carries, inside the seal (layout 2, purposes `cookieV2` / `pointerV2`):
 *
 *   session id (43 ASCII bytes) | session meta (see `session-meta.ts`) | encoded data (cookie tier only)
 *
 * The purpose byte of the seal says whether data follows (cookie tier) or the data lives server-side. Cookies
 * of layout 1 (`id | last activity f64 | data`, purposes `cookie` / `pointer`) still open: their revision is
 * 0, their creation time unknown (0) and their handle derived from the id.
 */
export interface SessionEnvelope extends SessionIdInfo, SessionMeta {
  readonly id: string;
  /** Encoded session data for the cookie tier; `undefined` when the data lives server-side. */
  readonly data: Buffer | undefined;
}

/** The result of {@link openEnvelope}. */
export type EnvelopeResult =
  | { readonly ok: true; readonly envelope: SessionEnvelope; readonly renew: boolean }
  | { readonly ok: false; readonly reason: OpenFailure | 'bad-id' };

const LEGACY_FIXED_BYTES = SESSION_ID_LENGTH + 8;

/** Seals an envelope into a cookie value. `data` undefined makes a pointer to server-side data. */
export function sealEnvelope(
  ring: KeyRing,
  id: string,
  meta: SessionMeta,
  data: Uint8Array | undefined,
  algorithm?: SealAlgorithm,
): string {
  const head = SESSION_ID_LENGTH + metaBytes(meta);
  const plaintext = Buffer.allocUnsafe(head + (data?.byteLength ?? 0));
  plaintext.write(id, 0, SESSION_ID_LENGTH, 'latin1');
  writeMeta(plaintext, SESSION_ID_LENGTH, meta);
  if (data !== undefined) plaintext.set(data, head);
  const purpose = data === undefined ? SealPurpose.pointerV2 : SealPurpose.cookieV2;
  return sealToString(seal(ring, purpose, plaintext, undefined, algorithm));
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The second base64url character of a seal with this version and purpose: 2 low bits of one, 4 high of the other. */
function secondChar(version: number, purpose: number): number {
  return BASE64URL.charCodeAt(((version & 0x03) << 4) | (purpose >> 4));
}

const POINTER_CHARS = [SEAL_VERSION_XCHACHA, SEAL_VERSION_AES_GCM].flatMap((v) => [
  secondChar(v, SealPurpose.pointer),
  secondChar(v, SealPurpose.pointerV2),
]);

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

/** Opens a cookie value made by {@link sealEnvelope} (or a layout-1 cookie); every failure is a result, never an exception. */
export function openEnvelope(ring: KeyRing, cookieValue: string): EnvelopeResult {
  const sealed = sealFromString(cookieValue);
  if (sealed === undefined) return { ok: false, reason: 'malformed' };
  const purpose = ENVELOPE_PURPOSES.find((p) => p === sealed[1]) ?? SealPurpose.cookieV2;
  const opened = openSeal(ring, purpose, sealed);
  if (!opened.ok) return opened;
  const { plaintext } = opened;
  if (plaintext.byteLength < LEGACY_FIXED_BYTES) return { ok: false, reason: 'malformed' };
  const id = plaintext.toString('latin1', 0, SESSION_ID_LENGTH);
  const info = parseSessionId(id);
  if (info === undefined) return { ok: false, reason: 'bad-id' };
  let meta: SessionMeta;
  let dataStart: number;
  if (purpose === SealPurpose.cookieV2 || purpose === SealPurpose.pointerV2) {
    const read = readMeta(plaintext, SESSION_ID_LENGTH);
    if (read === undefined) return { ok: false, reason: 'malformed' };
    meta = read.meta;
    dataStart = read.end;
  } else {
    const lastActiveMs = plaintext.readDoubleBE(SESSION_ID_LENGTH);
    meta = { lastActiveMs, rev: 0, createdAtMs: 0, handle: legacySessionHandle(id), user: undefined, predecessor: undefined };
    dataStart = LEGACY_FIXED_BYTES;
  }
  const withData = purpose === SealPurpose.cookieV2 || purpose === SealPurpose.cookie;
  const data = withData ? plaintext.subarray(dataStart) : undefined;
  if (!withData && dataStart !== plaintext.byteLength) return { ok: false, reason: 'malformed' };
  return { ok: true, renew: opened.renew, envelope: { id, ...info, ...meta, data } };
}

const ENVELOPE_PURPOSES = [SealPurpose.cookieV2, SealPurpose.pointerV2, SealPurpose.cookie, SealPurpose.pointer] as const;
