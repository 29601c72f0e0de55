import { Buffer } from 'node:buffer';
import { hkdfSync } from 'node:crypto';
import { ConfigError } from './errors.ts';

/** A secret: a string (UTF-8) or raw bytes, at least {@link MIN_SECRET_BYTES} bytes long. */
export type Secret = string | Uint8Array;

/** Secrets shorter than this are refused: they could be guessed. */
export const MIN_SECRET_BYTES = 32;

const SALT = Buffer.from('gaes/keyring/v1');

/** One key of a {@link KeyRing}, derived from a secret with HKDF-SHA256. */
export interface SealKey {
  /** 32-bit key id, written in clear in every seal so opening picks the key without trying each one. */
  readonly kid: number;
  /** 256-bit key for XChaCha20-Poly1305 (seal format version 1). */
  readonly xchachaKey: Buffer;
  /** 256-bit key for AES-256-GCM (seal format version 2). */
  readonly aesKey: Buffer;
}

function toBytes(secret: Secret, index: number): Buffer {
  if (typeof secret === 'string') return Buffer.from(secret, 'utf8');
  if (secret instanceof Uint8Array) return Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength);
  throw new ConfigError(`secret #${index} must be a string or bytes`);
}

function derive(ikm: Buffer, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, SALT, info, length));
}

/** Derives the keys for one secret. @throws {ConfigError} when the secret is shorter than 32 bytes. */
export function deriveSealKey(secret: Secret, index = 0): SealKey {
  const ikm = toBytes(secret, index);
  if (ikm.byteLength < MIN_SECRET_BYTES) {
    throw new ConfigError(
      `secret #${index} is ${ikm.byteLength} bytes; use at least ${MIN_SECRET_BYTES} random bytes ` +
        `(e.g. \`openssl rand -base64 48\`), generated once and kept in configuration`,
    );
  }
  return {
    kid: derive(ikm, 'gaes key id', 4).readUInt32BE(0),
    xchachaKey: derive(ikm, 'gaes seal xchacha20poly1305', 32),
    aesKey: derive(ikm, 'gaes seal aes-256-gcm', 32),
  };
}

/**
 * The keys that open seals, and the one that makes them. The first secret seals; every secret opens.
 * Opening with any key but the first reports `renew`, so the caller re-seals with the current key.
 *
 * @example new KeyRing([process.env.SESSION_SECRET_NEW, process.env.SESSION_SECRET_OLD])
 */
export class KeyRing {
  /** The key that seals. */
  readonly primary: SealKey;
  readonly #byKid: Map<number, SealKey>;

  /** @throws {ConfigError} with no secrets, a short secret, or two secrets with the same key id. */
  constructor(secrets: Secret | readonly Secret[]) {
    const list: readonly Secret[] = Array.isArray(secrets) ? secrets : [secrets as Secret];
    if (list.length === 0) throw new ConfigError('at least one secret is required');
    const keys = list.map((s, i) => deriveSealKey(s, i));
    this.#byKid = new Map();
    for (const [i, key] of keys.entries()) {
      if (this.#byKid.has(key.kid)) throw new ConfigError(`secret #${i} is a duplicate of an earlier secret`);
      this.#byKid.set(key.kid, key);
    }
    this.primary = keys[0] as SealKey;
  }

  /** The key with this id, if the ring holds it. */
  find(kid: number): SealKey | undefined {
    return this.#byKid.get(kid);
  }

  /** How many keys open seals. */
  get size(): number {
    return this.#byKid.size;
  }
}
