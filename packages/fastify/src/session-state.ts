import {
  createSessionId,
  encodeSessionData,
  lineageTag,
  newSessionHandle,
  parseSessionId,
  type SessionEnvelope,
  type SessionMeta,
  type SessionRecord,
  type SessionTier,
} from '@gaes/core';
import { ChangeLevel, ChangeSet } from './changes.ts';
import type { Slot } from './incoming.ts';
import type { SaveBase } from './server-store.ts';

type Data = Record<string, unknown>;
type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Everything one request knows about its session, each fact with a single owner. `Session` (the public
 * facade) changes it through these methods; the save reads it (see `save.ts`).
 */
export class SessionState {
  /** The active session's id; `undefined` while no session is active. */
  id: string | undefined;
  expiresAtMs = 0;
  sslOnly = false;
  /** Revision, activity, creation time, handle, user and predecessor (sealed in the cookie and the record). */
  meta: Writable<SessionMeta> = emptyMeta();
  /** The cookie slot the session is written to (see `incoming.ts`). */
  slot: Slot = 0;

  /** Decoded data, once something asked for it. */
  data: Data | undefined;
  /** Encoded data not decoded yet (cookie tier), with its text when the cookie cache had it. */
  pending: { readonly bytes: Buffer; readonly text: string | undefined } | undefined;
  /** The cookie points to server-side data that is not loaded yet. */
  needsLoad = false;
  /** Where the data came from. */
  origin: SessionTier | undefined;
  /** The server-side copy this request loaded (for a conditional write and for merging). */
  base: SaveBase | undefined;
  /** An id replaced by `regenerateId()`, still in its grace period: served read-only, its cookie untouched. */
  successor: SessionRecord['successor'];

  readonly changes = new ChangeSet();
  /** The user binding changed in this request. */
  userChanged = false;
  /** A new id or a new slot: the cookie must be written even if no data changed. */
  cookieChanged = false;
  /** The cookie was sealed with an older key: re-seal it. */
  renew = false;
  /** The idle timeout wants activity recorded. */
  touch = false;
  /** A user-bound session's record is due to record it as seen (`userSeenInterval`). */
  userSeen = false;

  /** What the save must do besides writing the session (allocated only when there is something). */
  #tasks: StoreTasks | undefined;
  /** An id given a new one by `regenerateId()` with a grace period: its record becomes read-only. */
  superseded: { readonly id: string; readonly record: SessionRecord } | undefined;
  /** Slots whose cookies this response clears, as bits (slot 0 → 1, slot 1 → 2). */
  #slotsToClear = 0;

  /** Sessions ended for good (terminate, start, a new id without grace): a tombstone, then every copy deleted. */
  get idsToEnd(): readonly string[] {
    return this.#tasks?.end ?? NONE;
  }
  /** Server-side copies of a session whose data moved into cookies: deleted, a failure fails the request. */
  get idsMovedToCookies(): readonly string[] {
    return this.#tasks?.movedToCookies ?? NONE;
  }
  /** Server-side copies of expired sessions: deleted if possible, a failure is only logged. */
  get expiredIds(): readonly string[] {
    return this.#tasks?.expired ?? NONE;
  }
  /** Handles of ended user-bound sessions: their records leave the user's list. */
  get handlesToForget(): readonly string[] {
    return this.#tasks?.forget ?? NONE;
  }

  /** Queues a task for the save (see the getters above). */
  queue(task: keyof StoreTasks, value: string): void {
    this.#tasks ??= { end: [], movedToCookies: [], expired: [], forget: [] };
    this.#tasks[task].push(value);
  }

  /** Whether the save has store work besides the session's own write. */
  get hasTasks(): boolean {
    return this.#tasks !== undefined || this.superseded !== undefined;
  }

  /** Clears `slot`'s cookies in this response (both slots without an argument). */
  clearSlot(slot?: Slot): void {
    this.#slotsToClear |= slot === undefined ? 3 : slot === 0 ? 1 : 2;
  }

  /** Whether this response clears `slot`'s cookies. */
  clearsSlot(slot: Slot): boolean {
    return (this.#slotsToClear & (slot === 0 ? 1 : 2)) !== 0;
  }

  /** Whether the data came from (or, not loaded yet, lives in) a server-side store. */
  get fromServer(): boolean {
    return this.needsLoad || this.origin === 'cache' || this.origin === 'datastore';
  }

  /** Read-only: an old id in its grace period. */
  get readOnly(): boolean {
    return this.successor !== undefined;
  }

  /** Whether the active session's cookie (and maybe its data) must be written. */
  get mustWrite(): boolean {
    return this.changes.level !== ChangeLevel.none || this.cookieChanged || this.renew || this.touch || this.userSeen;
  }

  /** Takes over a valid cookie (its data stays encoded until asked for). */
  adoptEnvelope(envelope: SessionEnvelope, slot: Slot, renew: boolean, text: string | undefined): void {
    this.id = envelope.id;
    this.expiresAtMs = envelope.expiresAtMs;
    this.sslOnly = envelope.sslOnly;
    this.meta = { rev: envelope.rev, lastActiveMs: envelope.lastActiveMs, createdAtMs: envelope.createdAtMs, handle: envelope.handle, user: envelope.user, predecessor: envelope.predecessor };
    this.slot = slot;
    this.renew = renew;
    if (envelope.data === undefined) {
      this.needsLoad = true;
    } else {
      this.pending = { bytes: envelope.data, text };
      this.origin = 'cookie';
    }
  }

  /** Takes over a loaded server-side record (its data decoded by the caller). */
  adoptRecord(record: SessionRecord, data: Data, tier: SessionTier, version: string | undefined, lastActiveMs: number): void {
    this.meta = { rev: record.rev, lastActiveMs, createdAtMs: record.createdAtMs, handle: record.handle, user: record.user, predecessor: record.predecessor };
    this.data = data;
    this.needsLoad = false;
    this.origin = tier;
    this.base = { version, rev: record.rev };
    this.successor = record.successor;
  }

  /** Starts a new, empty session in the current slot. */
  startNew(nowMs: number, lifetimeMs: number, sslOnly: boolean): void {
    this.id = createSessionId(nowMs + lifetimeMs, sslOnly);
    this.expiresAtMs = parseSessionId(this.id)?.expiresAtMs ?? nowMs + lifetimeMs;
    this.sslOnly = sslOnly;
    this.meta = { ...emptyMeta(), lastActiveMs: nowMs, createdAtMs: nowMs, handle: newSessionHandle() };
    this.data = {};
    this.pending = undefined;
    this.needsLoad = false;
    this.origin = undefined;
    this.base = undefined;
    this.successor = undefined;
    this.cookieChanged = true;
  }

  /** No active session (its cookies are not cleared by this alone). */
  reset(): void {
    this.id = undefined;
    this.meta = emptyMeta();
    this.data = undefined;
    this.pending = undefined;
    this.needsLoad = false;
    this.origin = undefined;
    this.base = undefined;
    this.successor = undefined;
    this.changes.reset();
    this.userChanged = false;
    this.cookieChanged = false;
    this.renew = false;
    this.touch = false;
    this.userSeen = false;
  }

  /**
   * Gives the active session a new id in the other cookie slot (see `Session.regenerateId`). A server-side
   * session's old id is superseded for `graceMs` (read-only, its last state `data`), or ended at once.
   */
  regenerate(nowMs: number, graceMs: number, keepData: boolean): void {
    const oldId = this.id as string;
    const newId = createSessionId(this.expiresAtMs, this.sslOnly);
    const inherited = this.meta.predecessor;
    if (inherited?.id !== undefined && inherited.untilMs > nowMs) this.queue('end', inherited.id);
    let predecessorId: string | undefined;
    let untilMs = 0;
    if (this.fromServer && graceMs > 0) {
      untilMs = Math.ceil((nowMs + graceMs) / 1000) * 1000;
      predecessorId = oldId;
      const record = { ...this.meta, rev: (this.base?.rev ?? 0) + 1, successor: { id: newId, untilMs }, data: encodeSessionData(this.data ?? {}) };
      this.superseded = { id: oldId, record };
    } else if (this.fromServer) {
      this.queue('end', oldId);
    }
    this.id = newId;
    this.meta.predecessor = { tag: lineageTag(oldId), id: predecessorId, untilMs };
    this.meta.rev = 0;
    this.origin = undefined;
    this.base = undefined;
    this.cookieChanged = true;
    if (!keepData) {
      this.data = {};
      this.changes.clear();
    }
    this.changes.raise(ChangeLevel.durable);
    this.clearSlot(this.slot);
    this.slot = this.slot === 0 ? 1 : 0;
  }

  /** Ends the active session: its server-side copy and the other id of a regeneration still in its grace period. */
  endCurrent(nowMs: number): void {
    if (this.id === undefined) return;
    if (this.fromServer) this.queue('end', this.id);
    const predecessor = this.meta.predecessor;
    if (predecessor?.id !== undefined && predecessor.untilMs > nowMs) this.queue('end', predecessor.id);
    if (this.successor !== undefined) this.queue('end', this.successor.id);
    if (this.meta.user !== undefined) this.queue('forget', this.meta.handle);
  }
}

/** The store work a save does besides writing the session. */
interface StoreTasks {
  readonly end: string[];
  readonly movedToCookies: string[];
  readonly expired: string[];
  readonly forget: string[];
}

const NONE: readonly string[] = Object.freeze([]);

/** The meta of no session (a handle is drawn only when a session starts). */
function emptyMeta(): Writable<SessionMeta> {
  return { rev: 0, lastActiveMs: 0, createdAtMs: 0, handle: '', user: undefined, predecessor: undefined };
}
