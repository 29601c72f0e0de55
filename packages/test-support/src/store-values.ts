import { Buffer } from 'node:buffer';
import { createSessionId } from '@gaes/core';

/** A day in milliseconds. */
export const DAY_MS = 24 * 60 * 60 * 1000;

/** A new session id (not SSL-only) expiring `lifetimeMs` from now, and that expiry. */
export function freshId(lifetimeMs = DAY_MS): { id: string; expiresAtMs: number } {
  const expiresAtMs = Date.now() + lifetimeMs;
  return { id: createSessionId(expiresAtMs, false), expiresAtMs };
}

/** Whether `got` holds exactly the bytes of `want` (`undefined` never does). */
export function sameBytes(got: Uint8Array | undefined, want: Uint8Array): boolean {
  if (got === undefined) return false;
  return Buffer.compare(Buffer.from(got.buffer, got.byteOffset, got.byteLength), Buffer.from(want.buffer, want.byteOffset, want.byteLength)) === 0;
}
