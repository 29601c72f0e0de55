import { Buffer } from 'node:buffer';
import { randomFillSync } from 'node:crypto';

/**
 * Random nonces from a pre-filled pool: one `randomFillSync` of 4 KiB serves ~170 XChaCha nonces, instead
 * of one CSPRNG call per seal. Every byte comes from the CSPRNG and is handed out once, so nonces stay
 * uniformly random and independent (the pool is refilled, never reused).
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/** Fills `target` with fresh random bytes (at most 4096). */
export function fillNonce(target: Uint8Array): void {
  const n = target.byteLength;
  if (offset + n > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  // Bytes handed out are never handed out again (the offset only moves on); a nonce is public (it travels in
  // the seal), so nothing is gained by wiping it from the pool.
  pool.copy(target, 0, offset, offset + n);
  offset += n;
}
