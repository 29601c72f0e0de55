import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ConfigError, GaesError, MIN_SECRET_BYTES, type Secret } from '@gaes/core';

/**
 * Data keys are stored wrapped with a key derived (HKDF-SHA256) from the master secret, with AES-256-GCM
 * and the key id as associated data, so a wrapped key moved to another id does not unwrap.
 * Format: `w1.` + base64url(iv(12) | ciphertext(32) | tag(16)).
 */
const PREFIX = 'w1.';

/** The wrapping key derived from a master secret. */
export interface MasterKey {
  readonly key: Buffer;
}

/** A wrapped key that does not unwrap: wrong master secret, or a tampered ring entity. */
export class KeyUnwrapError extends GaesError {
  constructor(keyId: string) {
    super('ERR_GAES_KEY_UNWRAP', `key ${keyId} of the key ring does not unwrap: is the master secret right?`);
  }
}

/** @throws {ConfigError} for a master secret shorter than 32 bytes. */
export function deriveMasterKey(secret: Secret): MasterKey {
  const ikm = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (ikm.byteLength < MIN_SECRET_BYTES) {
    throw new ConfigError(`the key ring's master secret must be at least ${MIN_SECRET_BYTES} bytes (e.g. \`openssl rand -base64 48\`)`);
  }
  return { key: Buffer.from(hkdfSync('sha256', ikm, 'gaes/keyring-master/v1', 'wrap data keys', 32)) };
}

/** A new random 32-byte data key. */
export function newDataKey(): Buffer {
  return randomBytes(32);
}

export function wrapKey(master: MasterKey, keyId: string, dataKey: Uint8Array): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', master.key, iv);
  cipher.setAAD(Buffer.from(`gaes-keyring:${keyId}`));
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** @throws {KeyUnwrapError} */
export function unwrapKey(master: MasterKey, keyId: string, wrapped: string): Buffer {
  if (!wrapped.startsWith(PREFIX)) throw new KeyUnwrapError(keyId);
  const raw = Buffer.from(wrapped.slice(PREFIX.length), 'base64url');
  if (raw.byteLength !== 12 + 32 + 16) throw new KeyUnwrapError(keyId);
  try {
    const decipher = createDecipheriv('aes-256-gcm', master.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(`gaes-keyring:${keyId}`));
    decipher.setAuthTag(raw.subarray(44));
    return Buffer.concat([decipher.update(raw.subarray(12, 44)), decipher.final()]);
  } catch {
    throw new KeyUnwrapError(keyId);
  }
}
