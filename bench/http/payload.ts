/**
 * The session every row holds: `{ userId, counter, a 200-byte string }`, ~20 KB for the large rows, or, for
 * the size rows, a string padded so the session's encoded data is exactly N bytes.
 */
import { Buffer } from 'node:buffer';

export const SMALL_NOTE_BYTES = 200;
export const LARGE_NOTE_BYTES = 20_000;

/** `small`, `large`, or a number: that many bytes of encoded session data (see {@link encodedBytes}). */
export type SessionSize = 'small' | 'large' | number;

export interface BenchSession {
  readonly userId: string;
  readonly counter: number;
  readonly note: string;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A deterministic printable string (not one repeated character, so nothing is flattered by it). */
function note(bytes: number): string {
  const parts: string[] = [];
  for (let i = 0; i < bytes; i++) parts.push(ALPHABET[(i * 7 + (i >> 3)) % ALPHABET.length] as string);
  return parts.join('');
}

const notes = new Map<number, string>();
function noteOf(bytes: number): string {
  let s = notes.get(bytes);
  if (s === undefined) {
    s = note(bytes);
    notes.set(bytes, s);
  }
  return s;
}

/**
 * Bytes of a session's encoded data as gaes's codec makes them for plain JSON data: one version byte, then the
 * UTF-8 JSON (`@gaes/core`'s `encodeSessionData`). Computed here rather than imported, so peer stacks never load gaes.
 */
export function encodedBytes(data: BenchSession): number {
  return 1 + Buffer.byteLength(JSON.stringify(data));
}

/** The data a `/login` stores for user number `n` (its counter at 0; writes add a digit now and then). */
export function sessionFor(n: number, size: SessionSize): BenchSession {
  const userId = `u-${String(n).padStart(6, '0')}`;
  if (size === 'small' || size === 'large') {
    return { userId, counter: 0, note: noteOf(size === 'small' ? SMALL_NOTE_BYTES : LARGE_NOTE_BYTES) };
  }
  const overhead = encodedBytes({ userId, counter: 0, note: '' });
  if (size < overhead) throw new Error(`a session of ${size} encoded bytes is smaller than its fields (${overhead} bytes)`);
  return { userId, counter: 0, note: noteOf(size - overhead) };
}

/** Parses the `size` of `/login?size=…`: `small` (the default), `large`, or a whole number of bytes. */
export function parseSessionSize(raw: string | undefined): SessionSize {
  if (raw === 'large') return 'large';
  if (raw !== undefined && /^[1-9]\d{0,8}$/.test(raw)) return Number(raw);
  return 'small';
}

/** A cookie header of about 100 bytes for the `@fastify/cookie` row. */
export const PLAIN_COOKIE = `pref=${note(95)}`;
