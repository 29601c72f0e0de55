import { Buffer } from 'node:buffer';
import type { KeyRing } from './keyring.ts';
import { openSeal, seal, SealPurpose, type OpenFailure, type SealAlgorithm } from './seal.ts';
import { SESSION_ID_LENGTH } from './session-id.ts';
import { legacySessionHandle, MAX_META_BYTES, metaBytes, readMeta, writeMeta, type SessionMeta } from './session-meta.ts';

/**
 * A session as kept server-side (in the cache and in Datastore), sealed with purpose `record` and the
 * session id as associated data, so a value copied under another id does not open:
 *
 *   layout u8 (=1) | flags u8 | session meta (see `session-meta.ts`) | [successor: id (43) | until f64] | encoded data
 *
 * - `rev` (in the meta) counts the saves of this record; a pointer cookie carries the revision its client
 *   saw, so a cache that serves an older revision is known to be stale.
 * - `lastActiveMs` is the server's own record of activity: the idle timeout of a server-side session is
 *   judged from it, never from whatever copy of a cookie arrives.
 * - `successor`: the id was replaced by `regenerateId()`; the record keeps the old id's last state,
 *   read-only, until `successor.untilMs` (the grace period), and `successor.id` names the new id, so ending
 *   either ends both. (The new session names its predecessor in its meta.)
 *
 * Values sealed with purpose `stored` (layout 1: bare encoded data) still open, as revision 0.
 */
export interface SessionRecord extends SessionMeta {
  /** Set on the record of an id replaced by `regenerateId()`: the new id, and the end of the grace period. */
  readonly successor: { readonly id: string; readonly untilMs: number } | undefined;
  /** Encoded session data. */
  readonly data: Uint8Array;
}

const LAYOUT = 1;
const FLAG_SUCCESSOR = 0x01;
/** The layout byte and the flags byte. */
const PREFIX_BYTES = 2;
/** A successor: its id and the end of the grace period f64. */
const SUCCESSOR_BYTES = SESSION_ID_LENGTH + 8;

/**
 * The most bytes a record holds besides its encoded data: the prefix, the longest session meta and a
 * successor. A sealed record is at most this, plus the data, plus `MAX_SEAL_OVERHEAD_BYTES`.
 */
export const MAX_RECORD_HEADER_BYTES = PREFIX_BYTES + MAX_META_BYTES + SUCCESSOR_BYTES;

/** Seals a record for session `id`. */
export function sealRecord(ring: KeyRing, id: string, record: SessionRecord, algorithm?: SealAlgorithm): Buffer {
  const successorBytes = record.successor === undefined ? 0 : SUCCESSOR_BYTES;
  const head = PREFIX_BYTES + metaBytes(record) + successorBytes;
  const plaintext = Buffer.allocUnsafe(head + record.data.byteLength);
  plaintext[0] = LAYOUT;
  plaintext[1] = record.successor === undefined ? 0 : FLAG_SUCCESSOR;
  let at = writeMeta(plaintext, PREFIX_BYTES, record);
  if (record.successor !== undefined) {
    at += plaintext.write(record.successor.id, at, SESSION_ID_LENGTH, 'latin1');
    plaintext.writeDoubleBE(record.successor.untilMs, at);
  }
  plaintext.set(record.data, head);
  return seal(ring, SealPurpose.record, plaintext, id, algorithm);
}

/** The result of {@link openRecord}. `renew` is true when an older key opened it. */
export type RecordResult =
  | { readonly ok: true; readonly record: SessionRecord; readonly renew: boolean }
  | { readonly ok: false; readonly reason: OpenFailure };

/**
 * Opens a stored value of session `id`; a value sealed for another id does not open. `legacyActiveMs` is the
 * activity time to assume for a layout-1 value, which did not record it.
 */
export function openRecord(ring: KeyRing, id: string, sealed: Uint8Array, legacyActiveMs = 0): RecordResult {
  const context = id;
  if (sealed[1] === SealPurpose.stored) {
    const opened = openSeal(ring, SealPurpose.stored, sealed, context);
    if (!opened.ok) return opened;
    const record: SessionRecord = {
      rev: 0,
      lastActiveMs: legacyActiveMs,
      createdAtMs: 0,
      handle: legacySessionHandle(id),
      user: undefined,
      predecessor: undefined,
      successor: undefined,
      data: opened.plaintext,
    };
    return { ok: true, record, renew: opened.renew };
  }
  const opened = openSeal(ring, SealPurpose.record, sealed, context);
  if (!opened.ok) return opened;
  const { plaintext } = opened;
  if (plaintext.byteLength < 2 || plaintext[0] !== LAYOUT) return { ok: false, reason: 'malformed' };
  const flags = plaintext[1] as number;
  if ((flags & ~FLAG_SUCCESSOR) !== 0) return { ok: false, reason: 'malformed' };
  const read = readMeta(plaintext, 2);
  if (read === undefined) return { ok: false, reason: 'malformed' };
  let at = read.end;
  let successor: SessionRecord['successor'];
  if (flags === FLAG_SUCCESSOR) {
    if (plaintext.byteLength < at + SESSION_ID_LENGTH + 8) return { ok: false, reason: 'malformed' };
    successor = { id: plaintext.toString('latin1', at, at + SESSION_ID_LENGTH), untilMs: plaintext.readDoubleBE(at + SESSION_ID_LENGTH) };
    at += SESSION_ID_LENGTH + 8;
  }
  const record: SessionRecord = { ...read.meta, successor, data: plaintext.subarray(at) };
  return { ok: true, record, renew: opened.renew };
}
