import { assertSealAlgorithm, SEAL_VERSION_AES_GCM, SEAL_VERSION_XCHACHA, type SealAlgorithm } from '@gaes/core';

/**
 * Every sealing algorithm this platform can use (XChaCha20-Poly1305 needs sodium-native's binary;
 * AES-256-GCM always works), so suites about forged or tampered cookies run once per algorithm.
 */
export const SEAL_ALGORITHMS: readonly SealAlgorithm[] = (['xchacha20-poly1305', 'aes-256-gcm'] as const).filter((algorithm) => {
  try {
    assertSealAlgorithm(algorithm);
    return true;
  } catch {
    return false;
  }
});

/** The version byte a seal made with `algorithm` starts with. */
export const SEAL_VERSION: Readonly<Record<SealAlgorithm, number>> = {
  'xchacha20-poly1305': SEAL_VERSION_XCHACHA,
  'aes-256-gcm': SEAL_VERSION_AES_GCM,
};
