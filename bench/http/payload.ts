/** The session every row holds: `{ userId, counter, a 200-byte string }`, or ~20 KB for the large rows. */
export const SMALL_NOTE_BYTES = 200;
export const LARGE_NOTE_BYTES = 20_000;

export type SessionSize = 'small' | 'large';

export interface BenchSession {
  readonly userId: string;
  readonly counter: number;
  readonly note: string;
}

/** A deterministic printable string (not one repeated character, so nothing is flattered by it). */
function note(bytes: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = '';
  for (let i = 0; i < bytes; i++) out += alphabet[(i * 7 + (i >> 3)) % alphabet.length];
  return out;
}

const notes: Record<SessionSize, string> = { small: note(SMALL_NOTE_BYTES), large: note(LARGE_NOTE_BYTES) };

/** The data a `/login` stores for user number `n`. */
export function sessionFor(n: number, size: SessionSize): BenchSession {
  return { userId: `u-${String(n).padStart(6, '0')}`, counter: 0, note: notes[size] };
}

/** A cookie header of about 100 bytes for the `@fastify/cookie` row. */
export const PLAIN_COOKIE = `pref=${note(95)}`;
