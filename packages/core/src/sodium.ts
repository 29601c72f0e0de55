import { createRequire } from 'node:module';

/** The few libsodium calls gaes uses (sodium-native has no bundled types). */
export interface SodiumAead {
  crypto_aead_xchacha20poly1305_ietf_encrypt(
    ciphertext: Uint8Array,
    message: Uint8Array,
    additionalData: Uint8Array | null,
    secretNonce: null,
    publicNonce: Uint8Array,
    key: Uint8Array,
  ): number;
  crypto_aead_xchacha20poly1305_ietf_decrypt(
    message: Uint8Array,
    secretNonce: null,
    ciphertext: Uint8Array,
    additionalData: Uint8Array | null,
    publicNonce: Uint8Array,
    key: Uint8Array,
  ): number;
  randombytes_buf(buffer: Uint8Array): void;
}

function load(): SodiumAead | undefined {
  try {
    return createRequire(import.meta.url)('sodium-native') as SodiumAead;
  } catch {
    // No prebuilt binary for this platform: sealing falls back to AES-256-GCM from node:crypto.
    return undefined;
  }
}

/** libsodium through sodium-native, or `undefined` where its binary cannot load. */
export const sodium: SodiumAead | undefined = load();
