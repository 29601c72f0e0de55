import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ConfigError } from './errors.ts';
import type { KeyRing, SealKey } from './keyring.ts';
import { fillNonce } from './nonce.ts';
import { sodium } from './sodium.ts';

/**
 * Sealed format (binary; base64url in cookies):
 *
 *   version(1) | purpose(1) | kid(4, big-endian) | nonce | ciphertext | tag(16)
 *
 * The 6-byte header is readable before decryption (it picks the algorithm and the key) and is
 * authenticated as associated data, together with any caller-supplied context (e.g. the session id a
 * stored value belongs to).
 *
 * - version 1: XChaCha20-Poly1305 (libsodium), 24-byte random nonce. The default: about 1.5 µs a seal on
 *   Node 24, where every `createCipheriv('aes-256-gcm')` costs over 10 µs (see bench/seal.ts).
 * - version 2: AES-256-GCM (node:crypto), 12-byte random nonce. Chosen with `algorithm: 'aes-256-gcm'`,
 *   and used automatically where sodium-native has no binary.
 */
export const SEAL_VERSION_XCHACHA = 1;
export const SEAL_VERSION_AES_GCM = 2;

/**
 * What a seal is for; a seal made for one purpose never opens as another. The values differ in their
 * high nibble, so the second base64url character of a cookie tells the purpose without decoding.
 */
export const SealPurpose = {
  /** A cookie carrying the session id and its data (envelope layout 1, opened but no longer made). */
  cookie: 0x63,
  /** A cookie carrying only the session id: the data lives server-side (envelope layout 1). */
  pointer: 0x50,
  /** A value stored in the cache or Datastore, bound to its session id (bare data, layout 1). */
  stored: 0x73,
  /** A cookie carrying the session's envelope (layout 2: id, activity, revision, handle, user) and its data. */
  cookieV2: 0x43,
  /** A layout-2 envelope without data: the data lives server-side. */
  pointerV2: 0x30,
  /** A server-side session record (see `record.ts`), bound to its session id. */
  record: 0x22,
} as const;
export type SealPurpose = (typeof SealPurpose)[keyof typeof SealPurpose];

/** The sealing algorithms. */
export type SealAlgorithm = 'xchacha20-poly1305' | 'aes-256-gcm';

/** Why a seal did not open. Every failure is a value, never an exception. */
export type OpenFailure = 'malformed' | 'unknown-version' | 'wrong-purpose' | 'unknown-key' | 'forged';

/** The result of {@link openSeal}. `renew` is true when an older key of the ring opened it. */
export type OpenResult =
  | { readonly ok: true; readonly plaintext: Buffer; readonly renew: boolean }
  | { readonly ok: false; readonly reason: OpenFailure };

const HEADER_BYTES = 6;
const TAG_BYTES = 16;
const XCHACHA_NONCE_BYTES = 24;
const GCM_NONCE_BYTES = 12;

/** Bytes a seal adds to its plaintext with `algorithm`: the header, the nonce and the tag. */
export function sealOverheadBytes(algorithm: SealAlgorithm): number {
  return HEADER_BYTES + (algorithm === 'aes-256-gcm' ? GCM_NONCE_BYTES : XCHACHA_NONCE_BYTES) + TAG_BYTES;
}

/** The most bytes a seal adds to its plaintext, whichever algorithm made it. */
export const MAX_SEAL_OVERHEAD_BYTES = HEADER_BYTES + Math.max(XCHACHA_NONCE_BYTES, GCM_NONCE_BYTES) + TAG_BYTES;

/** The default algorithm on this platform. */
export const defaultSealAlgorithm: SealAlgorithm = sodium === undefined ? 'aes-256-gcm' : 'xchacha20-poly1305';

/** @throws {ConfigError} when `algorithm` cannot be used on this platform. */
export function assertSealAlgorithm(algorithm: SealAlgorithm): void {
  if (algorithm === 'xchacha20-poly1305' && sodium === undefined) {
    throw new ConfigError('algorithm xchacha20-poly1305 needs sodium-native, which has no binary for this platform');
  }
  if (algorithm !== 'xchacha20-poly1305' && algorithm !== 'aes-256-gcm') {
    throw new ConfigError(`unknown algorithm ${String(algorithm)}: use 'xchacha20-poly1305' or 'aes-256-gcm'`);
  }
}

function writeHeader(out: Buffer, version: number, purpose: SealPurpose, kid: number): void {
  out[0] = version;
  out[1] = purpose;
  out.writeUInt32BE(kid, 2);
}

/** Where the associated data is put together: it is used synchronously, within one seal or open. */
const AD_SCRATCH = Buffer.allocUnsafeSlow(256);

/**
 * The seal header followed by the caller's context (bytes, or a Latin-1 string such as a session id),
 * assembled in a scratch buffer rather than a new one for every seal and open.
 */
function associatedData(header: Buffer, context: Uint8Array | string | undefined): Buffer {
  if (context === undefined || context.length === 0) return header;
  const length = header.byteLength + (typeof context === 'string' ? context.length : context.byteLength);
  if (length > AD_SCRATCH.byteLength) {
    return Buffer.concat([header, typeof context === 'string' ? Buffer.from(context, 'latin1') : context]);
  }
  header.copy(AD_SCRATCH, 0);
  if (typeof context === 'string') AD_SCRATCH.write(context, header.byteLength, 'latin1');
  else AD_SCRATCH.set(context, header.byteLength);
  return AD_SCRATCH.subarray(0, length);
}

/** Seals `plaintext` with the ring's primary key. `context` is authenticated but not stored. */
export function seal(
  ring: KeyRing,
  purpose: SealPurpose,
  plaintext: Uint8Array,
  context?: Uint8Array | string,
  algorithm: SealAlgorithm = defaultSealAlgorithm,
): Buffer {
  const key = ring.primary;
  if (algorithm === 'xchacha20-poly1305' && sodium !== undefined) {
    const out = Buffer.allocUnsafe(HEADER_BYTES + XCHACHA_NONCE_BYTES + plaintext.byteLength + TAG_BYTES);
    writeHeader(out, SEAL_VERSION_XCHACHA, purpose, key.kid);
    const nonce = out.subarray(HEADER_BYTES, HEADER_BYTES + XCHACHA_NONCE_BYTES);
    fillNonce(nonce);
    const ad = associatedData(out.subarray(0, HEADER_BYTES), context);
    sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.subarray(HEADER_BYTES + XCHACHA_NONCE_BYTES),
      plaintext,
      ad,
      null,
      nonce,
      key.xchachaKey,
    );
    return out;
  }
  const out = Buffer.allocUnsafe(HEADER_BYTES + GCM_NONCE_BYTES + plaintext.byteLength + TAG_BYTES);
  writeHeader(out, SEAL_VERSION_AES_GCM, purpose, key.kid);
  const iv = out.subarray(HEADER_BYTES, HEADER_BYTES + GCM_NONCE_BYTES);
  fillNonce(iv);
  const cipher = createCipheriv('aes-256-gcm', key.aesKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(out.subarray(0, HEADER_BYTES), context));
  const body = cipher.update(plaintext);
  body.copy(out, HEADER_BYTES + GCM_NONCE_BYTES);
  const tail = cipher.final();
  tail.copy(out, HEADER_BYTES + GCM_NONCE_BYTES + body.byteLength);
  cipher.getAuthTag().copy(out, out.byteLength - TAG_BYTES);
  return out;
}

/**
 * Opens a seal made by {@link seal}. The authentication tag is checked by the AEAD in constant time;
 * any failure is a result value, never an exception.
 */
export function openSeal(
  ring: KeyRing,
  purpose: SealPurpose,
  sealed: Uint8Array,
  context?: Uint8Array | string,
): OpenResult {
  if (sealed.byteLength < HEADER_BYTES + GCM_NONCE_BYTES + TAG_BYTES) return { ok: false, reason: 'malformed' };
  const version = sealed[0];
  if (sealed[1] !== purpose) return { ok: false, reason: 'wrong-purpose' };
  const buf = Buffer.isBuffer(sealed) ? sealed : Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const key: SealKey | undefined = ring.find(buf.readUInt32BE(2));
  if (version === SEAL_VERSION_XCHACHA) {
    if (sodium === undefined) return { ok: false, reason: 'unknown-version' };
    if (key === undefined) return { ok: false, reason: 'unknown-key' };
    const bodyStart = HEADER_BYTES + XCHACHA_NONCE_BYTES;
    if (buf.byteLength < bodyStart + TAG_BYTES) return { ok: false, reason: 'malformed' };
    const plaintext = Buffer.allocUnsafe(buf.byteLength - bodyStart - TAG_BYTES);
    try {
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
        plaintext,
        null,
        buf.subarray(bodyStart),
        associatedData(buf.subarray(0, HEADER_BYTES), context),
        buf.subarray(HEADER_BYTES, bodyStart),
        key.xchachaKey,
      );
    } catch {
      return { ok: false, reason: 'forged' };
    }
    return { ok: true, plaintext, renew: key !== ring.primary };
  }
  if (version === SEAL_VERSION_AES_GCM) {
    if (key === undefined) return { ok: false, reason: 'unknown-key' };
    const bodyStart = HEADER_BYTES + GCM_NONCE_BYTES;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.aesKey, buf.subarray(HEADER_BYTES, bodyStart), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(associatedData(buf.subarray(0, HEADER_BYTES), context));
      decipher.setAuthTag(buf.subarray(buf.byteLength - TAG_BYTES));
      const body = decipher.update(buf.subarray(bodyStart, buf.byteLength - TAG_BYTES));
      const tail = decipher.final();
      return { ok: true, plaintext: tail.byteLength === 0 ? body : Buffer.concat([body, tail]), renew: key !== ring.primary };
    } catch {
      return { ok: false, reason: 'forged' };
    }
  }
  return { ok: false, reason: 'unknown-version' };
}

/** Encodes sealed bytes for a cookie (base64url, no padding). */
export function sealToString(sealed: Uint8Array): string {
  return Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength).toString('base64url');
}

/**
 * Decodes a cookie's base64url strictly: `undefined` unless re-encoding gives back the same string, so no
 * two strings (e.g. differing in unused low bits or stray characters) decode to the same seal.
 */
export function sealFromString(text: string): Buffer | undefined {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}
