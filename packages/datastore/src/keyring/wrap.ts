import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { GaesError, type Secret } from '@gaes/core';
import type { KeyRingPolicy } from './lifecycle.ts';

/**
 * Data keys are stored wrapped with a key derived (HKDF-SHA256) from the master secret, with AES-256-GCM.
 * The associated data binds a wrapped key to everything that decides where and when it may be used: the
 * ring entity it belongs to (kind, name, namespace), its id, and every fact its role is computed from (its
 * creation time, its bootstrap flag and the ring's timing rules). A key restored into another ring, moved to
 * another id, or re-timed in the entity (to revive a key whose role has ended) does not unwrap.
 * Format: `w2.` + base64url(iv(12) | ciphertext(32) | tag(16)).
 *
 * `w1.` keys (the first format) bound only the key id; they are refused, and a ring of them must be created anew.
 */
const PREFIX = 'w2.';
const OLD_PREFIX = 'w1.';
const RAW_BYTES = 12 + 32 + 16;

/** The wrapping key derived from a master secret. */
export interface MasterKey {
  readonly key: Buffer;
}

/** The ring entity a key belongs to, with defaults resolved (`namespace` '' is the default namespace). */
export interface RingIdentity {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/** Everything a wrapped key is bound to. */
export interface KeyBinding {
  readonly ring: RingIdentity;
  readonly policy: KeyRingPolicy;
  readonly id: string;
  readonly createdAtMs: number;
  readonly bootstrap: boolean;
}

/** Why a key was refused: a wrong master secret or a binding that does not match; a `w1.` key; not a wrapped key at all. */
export type KeyUnwrapReason = 'mismatch' | 'old-format' | 'malformed';

/**
 * A wrapped key that does not unwrap: a wrong master secret, a key copied from another ring, an entity
 * edited by hand (the key's id, creation time or bootstrap flag, or the ring's timing), or a `w1.` key.
 * The key is never used.
 */
export class KeyUnwrapError extends GaesError {
  /** The id of the refused key. */
  readonly keyId: string;
  readonly reason: KeyUnwrapReason;

  constructor(keyId: string, reason: KeyUnwrapReason, ring: RingIdentity) {
    super('ERR_GAES_KEY_UNWRAP', unwrapMessage(keyId, reason, ring));
    this.keyId = keyId;
    this.reason = reason;
  }
}

function unwrapMessage(keyId: string, reason: KeyUnwrapReason, ring: RingIdentity): string {
  const where = `${ring.kind}/${ring.name}${ring.namespace === '' ? '' : ` (namespace ${ring.namespace})`}`;
  switch (reason) {
    case 'old-format':
      return (
        `key ${keyId} of the key ring ${where} is in the w1 wrap format, which this version refuses (it did not bind a key to its ring and times): ` +
        `create a new ring — delete that entity or choose another ring name, then run \`gaes-keys rotate\` (sessions sealed with the old keys end)`
      );
    case 'malformed':
      return `key ${keyId} of the key ring ${where} is not a wrapped key: the entity was edited by hand`;
    case 'mismatch':
      return (
        `key ${keyId} of the key ring ${where} does not unwrap: is the master secret right? ` +
        "(a key copied from another ring, or whose id, createdAtMs or bootstrap flag or the ring's propagationMs or lifetimeMs was edited, is refused too)"
      );
  }
}

/** The wrapping key of a master secret that `resolveMasterSecret` accepted (see `masterKeyFrom`). */
export function deriveMasterKey(secret: Secret): MasterKey {
  const ikm = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  return { key: Buffer.from(hkdfSync('sha256', ikm, 'gaes/keyring-master/v1', 'wrap data keys', 32)) };
}

/** A new random 32-byte data key. */
export function newDataKey(): Buffer {
  return randomBytes(32);
}

/** The associated data: a JSON array, so no two different bindings can encode alike. */
function associatedData(b: KeyBinding): Buffer {
  const fields = ['gaes-keyring/w2', b.ring.kind, b.ring.name, b.ring.namespace, b.id, b.createdAtMs, b.bootstrap, b.policy.propagationMs, b.policy.lifetimeMs];
  return Buffer.from(JSON.stringify(fields), 'utf8');
}

/** Wraps `dataKey` bound to `binding`. */
export function wrapKey(master: MasterKey, binding: KeyBinding, dataKey: Uint8Array): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', master.key, iv);
  cipher.setAAD(associatedData(binding));
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** @throws {KeyUnwrapError} when the key does not unwrap with this master key and binding. */
export function unwrapKey(master: MasterKey, binding: KeyBinding, wrapped: string): Buffer {
  if (wrapped.startsWith(OLD_PREFIX)) throw new KeyUnwrapError(binding.id, 'old-format', binding.ring);
  const raw = wrapped.startsWith(PREFIX) ? Buffer.from(wrapped.slice(PREFIX.length), 'base64url') : undefined;
  if (raw === undefined || raw.byteLength !== RAW_BYTES) throw new KeyUnwrapError(binding.id, 'malformed', binding.ring);
  try {
    const decipher = createDecipheriv('aes-256-gcm', master.key, raw.subarray(0, 12));
    decipher.setAAD(associatedData(binding));
    decipher.setAuthTag(raw.subarray(44));
    return Buffer.concat([decipher.update(raw.subarray(12, 44)), decipher.final()]);
  } catch {
    throw new KeyUnwrapError(binding.id, 'mismatch', binding.ring);
  }
}
