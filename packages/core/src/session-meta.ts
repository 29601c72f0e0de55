import { Buffer } from 'node:buffer';
import { hash, randomBytes } from 'node:crypto';
import { ConfigError } from './errors.ts';
import { SESSION_ID_LENGTH } from './session-id.ts';

/**
 * What gaes knows about a session besides its id and data, carried in its cookie envelope (cookie tier)
 * or in its server-side record: the revision of the server-side copy, when it was created and last active,
 * its handle and the user it is bound to.
 */
export interface SessionMeta {
  /** Revision of the server-side copy this state came from (0: never stored server-side). */
  readonly rev: number;
  /** When the session was last saved or touched, in ms since the epoch (the idle timeout counts from it). */
  readonly lastActiveMs: number;
  /** When the session started, in ms since the epoch (whole seconds; 0 when unknown: an older format). */
  readonly createdAtMs: number;
  /** The session's handle: opaque, stable, non-secret (see {@link newSessionHandle}). */
  readonly handle: string;
  /** The user the session is bound to, and when its user record last recorded it as seen. */
  readonly user: SessionUser | undefined;
  /** For a session made by `regenerateId()`: the session it replaced. */
  readonly predecessor: SessionPredecessor | undefined;
}

/**
 * The session a regenerated one replaced. The `tag` stays for the session's life: when a browser holds the
 * cookies of both (the old one re-set by a request that was in flight during the login), the reader keeps
 * the one that names the other. The old `id` itself is kept only during the grace period (until `untilMs`),
 * so that ending the new session ends the old one too.
 */
export interface SessionPredecessor {
  /** {@link lineageTag} of the old id. */
  readonly tag: string;
  /** The old id, while it is still in its grace period. */
  readonly id: string | undefined;
  /** End of the old id's grace period (whole seconds, in ms); 0 when `id` is undefined. */
  readonly untilMs: number;
}

/** A session's user binding. */
export interface SessionUser {
  readonly id: string;
  /** When `setUser` bound the session to this user, in ms: "signed in at" (revocations compare it exactly). */
  readonly sinceMs: number;
  /** When the user's session record last got `lastSeenAt` (whole seconds, in ms). */
  readonly seenAtMs: number;
}

/** Bytes of a handle (128 random bits). */
export const HANDLE_BYTES = 16;
/** Characters of a handle (base64url of 16 bytes). */
export const HANDLE_LENGTH = 22;
/** Longest user id, in UTF-8 bytes. */
export const MAX_USER_ID_BYTES = 255;

const HANDLE_PATTERN = /^[A-Za-z0-9_-]{21}[AQgw]$/;

/** A new random handle: 128 bits, base64url. It names a session without opening or forging anything. */
export function newSessionHandle(): string {
  return randomBytes(HANDLE_BYTES).toString('base64url');
}

/**
 * The handle of a session sealed before handles existed: derived from its id by a one-way hash, so it is
 * stable for that session and reveals nothing about the id.
 */
export function legacySessionHandle(id: string): string {
  return hash('sha256', `gaes/handle/v1\0${id}`, 'buffer').subarray(0, HANDLE_BYTES).toString('base64url');
}

/** Whether `value` has the shape of a handle (a forged or mangled one is refused before any lookup). */
export function isSessionHandle(value: unknown): value is string {
  return typeof value === 'string' && value.length === HANDLE_LENGTH && HANDLE_PATTERN.test(value);
}

/** @throws {ConfigError} unless `userId` is a non-empty string of at most 255 UTF-8 bytes. */
export function assertUserId(userId: unknown): asserts userId is string {
  if (typeof userId !== 'string' || userId.length === 0 || Buffer.byteLength(userId) > MAX_USER_ID_BYTES) {
    throw new ConfigError(`a user id must be a non-empty string of at most ${MAX_USER_ID_BYTES} UTF-8 bytes`);
  }
}

/** Bytes of a {@link lineageTag}. */
export const LINEAGE_TAG_BYTES = 8;

/** A short one-way tag of a session id, so a session can name the one it replaced without carrying its id. */
export function lineageTag(id: string): string {
  return hash('sha256', `gaes/lineage/v1\0${id}`, 'buffer').subarray(0, LINEAGE_TAG_BYTES).toString('base64url');
}

/** Whole seconds (rounded down) as stored in a u32, for times kept at second precision. */
export function toSeconds(ms: number): number {
  return Math.min(Math.max(Math.floor(ms / 1000), 0), 0xffff_ffff);
}

/** What every meta holds: lastActiveMs f64, rev u32, createdAt u32, the handle and the flags byte. */
const FIXED_META_BYTES = 8 + 4 + 4 + HANDLE_BYTES + 1;
/** A user binding besides its id: the id's length u8, since f64, seenAt u32. */
const USER_FIXED_BYTES = 1 + 8 + 4;
/** A predecessor still in its grace period besides its tag: its id and the end of the grace period u32. */
const PREDECESSOR_ID_BYTES = SESSION_ID_LENGTH + 4;

/** Bytes that {@link writeMeta} takes for `meta`. */
export function metaBytes(meta: SessionMeta): number {
  const user = meta.user === undefined ? 0 : USER_FIXED_BYTES + Buffer.byteLength(meta.user.id);
  const p = meta.predecessor;
  const predecessor = p === undefined ? 0 : LINEAGE_TAG_BYTES + (p.id === undefined ? 0 : PREDECESSOR_ID_BYTES);
  return FIXED_META_BYTES + user + predecessor;
}

/** The most bytes {@link writeMeta} takes: a user id of {@link MAX_USER_ID_BYTES} and a predecessor with its id. */
export const MAX_META_BYTES = FIXED_META_BYTES + USER_FIXED_BYTES + MAX_USER_ID_BYTES + LINEAGE_TAG_BYTES + PREDECESSOR_ID_BYTES;

const HAS_USER = 0x01;
const HAS_PREDECESSOR = 0x02;
const HAS_PREDECESSOR_ID = 0x04;
const KNOWN_FLAGS = HAS_USER | HAS_PREDECESSOR | HAS_PREDECESSOR_ID;

/**
 * Writes `lastActiveMs f64 | rev u32 | createdAt u32 (s) | handle 16 | flags u8 | [len u8 | user | since f64 | seenAt u32 (s)]
 * | [predecessor tag 8]` at `offset`; returns the offset after it.
 */
export function writeMeta(out: Buffer, offset: number, meta: SessionMeta): number {
  let at = out.writeDoubleBE(meta.lastActiveMs, offset);
  at = out.writeUInt32BE(meta.rev >>> 0, at);
  at = out.writeUInt32BE(toSeconds(meta.createdAtMs), at);
  // Written straight into `out` (no temporary Buffer): the handle's 22 characters are exactly 16 bytes.
  if (meta.handle.length !== HANDLE_LENGTH || out.write(meta.handle, at, HANDLE_BYTES, 'base64url') !== HANDLE_BYTES) {
    throw new TypeError('a session handle must be 16 bytes');
  }
  at += HANDLE_BYTES;
  const p = meta.predecessor;
  const flags = (meta.user === undefined ? 0 : HAS_USER) | (p === undefined ? 0 : HAS_PREDECESSOR) | (p?.id === undefined ? 0 : HAS_PREDECESSOR_ID);
  at = out.writeUInt8(flags, at);
  if (meta.user !== undefined) {
    const len = out.write(meta.user.id, at + 1, 'utf8');
    at = out.writeUInt8(len, at) + len;
    at = out.writeDoubleBE(meta.user.sinceMs, at);
    at = out.writeUInt32BE(toSeconds(meta.user.seenAtMs), at);
  }
  if (p !== undefined) {
    const tag = Buffer.from(p.tag, 'base64url');
    if (tag.byteLength !== LINEAGE_TAG_BYTES) throw new TypeError('a lineage tag must be 8 bytes');
    at += tag.copy(out, at);
    if (p.id !== undefined) {
      at += out.write(p.id, at, SESSION_ID_LENGTH, 'latin1');
      at = out.writeUInt32BE(toSeconds(p.untilMs), at);
    }
  }
  return at;
}

/** Reads what {@link writeMeta} wrote; `undefined` when the bytes are too short or malformed. */
export function readMeta(buf: Buffer, offset: number): { meta: SessionMeta; end: number } | undefined {
  let at = offset + 8 + 4 + 4 + HANDLE_BYTES + 1;
  if (buf.byteLength < at) return undefined;
  const lastActiveMs = buf.readDoubleBE(offset);
  const rev = buf.readUInt32BE(offset + 8);
  const createdAtMs = buf.readUInt32BE(offset + 12) * 1000;
  const handle = buf.toString('base64url', offset + 16, offset + 16 + HANDLE_BYTES);
  const flags = buf[at - 1] as number;
  if ((flags & ~KNOWN_FLAGS) !== 0) return undefined;
  let user: SessionUser | undefined;
  if ((flags & HAS_USER) !== 0) {
    const len = buf[at] ?? 0;
    const userEnd = at + 1 + len;
    if (len === 0 || buf.byteLength < userEnd + 12) return undefined;
    user = { id: buf.toString('utf8', at + 1, userEnd), sinceMs: buf.readDoubleBE(userEnd), seenAtMs: buf.readUInt32BE(userEnd + 8) * 1000 };
    at = userEnd + 12;
  }
  let predecessor: SessionPredecessor | undefined;
  if ((flags & HAS_PREDECESSOR) !== 0) {
    if (buf.byteLength < at + LINEAGE_TAG_BYTES) return undefined;
    const tag = buf.toString('base64url', at, at + LINEAGE_TAG_BYTES);
    at += LINEAGE_TAG_BYTES;
    if ((flags & HAS_PREDECESSOR_ID) !== 0) {
      if (buf.byteLength < at + SESSION_ID_LENGTH + 4) return undefined;
      const id = buf.toString('latin1', at, at + SESSION_ID_LENGTH);
      predecessor = { tag, id, untilMs: buf.readUInt32BE(at + SESSION_ID_LENGTH) * 1000 };
      at += SESSION_ID_LENGTH + 4;
    } else {
      predecessor = { tag, id: undefined, untilMs: 0 };
    }
  } else if ((flags & HAS_PREDECESSOR_ID) !== 0) {
    return undefined;
  }
  return { meta: { lastActiveMs, rev, createdAtMs, handle, user, predecessor }, end: at };
}
