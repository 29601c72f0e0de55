/**
 * Users and their sessions: what a server-side directory keeps so that an app can list a user's sessions
 * ("where am I signed in?") and end them ("sign out that phone", "sign out everywhere"), for every tier —
 * cookie-tier sessions included, which no store otherwise knows about.
 *
 * - A **session record** per user-bound session, keyed by its handle: written when `setUser` binds it,
 *   updated when its id changes and, at most every few minutes, with when it was last seen.
 * - A **revocation** per user: the handles ended one by one, and a "not valid before" time for ending every
 *   session bound before it (except one). Instances learn of changes by polling for revocations changed
 *   since their last poll, so checking a cookie costs no I/O.
 */

/** A user-bound session as the directory lists it. */
export interface UserSessionRecord {
  /** The session's handle (see `Session.handle`): stable, non-secret. */
  readonly handle: string;
  readonly userId: string;
  /** The session's current id (to end its server-side copies). */
  readonly sessionId: string;
  /** When the session was bound to the user ("signed in at"), ms since the epoch. */
  readonly createdAtMs: number;
  /** When it was last seen (updated at most every `userSeenInterval`). */
  readonly lastSeenAtMs: number;
  /** When the session expires: the record goes with it. */
  readonly expiresAtMs: number;
  /** The browser's User-Agent when last seen (at most 256 characters), if it sent one. */
  readonly userAgent: string | undefined;
}

/** One handle ended on its own, remembered until the session it named would have expired anyway. */
export interface RevokedHandle {
  readonly handle: string;
  readonly untilMs: number;
}

/** A user's revocations. */
export interface UserRevocation {
  readonly userId: string;
  /** Sessions bound to the user at or before this time are ended (0: none). */
  readonly notBeforeMs: number;
  /** A handle spared by `notBeforeMs` (the session that asked to sign out everywhere else). */
  readonly exceptHandle: string | undefined;
  /** Handles ended one by one. */
  readonly handles: readonly RevokedHandle[];
  /** When this revocation last changed (what instances poll for). */
  readonly changedAtMs: number;
  /** When it stops mattering: no session it ends can still be alive (the sweeper deletes it then). */
  readonly expiresAtMs: number;
}

/** A change to a user's revocations. */
export type RevocationChange =
  | { readonly kind: 'handle'; readonly handle: string; readonly untilMs: number }
  | { readonly kind: 'all'; readonly atMs: number; readonly except: string | undefined; readonly untilMs: number };

/** Where user-bound session records and revocations live (Datastore, or the cache alone). */
export interface UserDirectory {
  /** Creates or replaces the record of a user-bound session. */
  put(record: UserSessionRecord): Promise<void>;
  /** The record of `handle`, or `undefined`. */
  get(handle: string): Promise<UserSessionRecord | undefined>;
  /** Removes the record of `handle` (no error when absent). */
  delete(handle: string): Promise<void>;
  /** Every record of `userId` (expired ones may be included: callers filter). */
  list(userId: string): Promise<UserSessionRecord[]>;
  /** Applies `change` to the user's revocations (read-modify-write, safe against concurrent changes); returns the result. */
  revoke(userId: string, change: RevocationChange, nowMs: number): Promise<UserRevocation>;
  /** Revocations changed after `sinceMs` that still matter at `nowMs`; with `sinceMs` undefined, every one that still matters. */
  changedSince(sinceMs: number | undefined, nowMs: number): Promise<UserRevocation[]>;
}

/** Applies `change` to `current` (or to a user without revocations yet), dropping handles that no longer matter. */
export function applyRevocation(userId: string, current: UserRevocation | undefined, change: RevocationChange, nowMs: number): UserRevocation {
  const kept = (current?.handles ?? []).filter((h) => h.untilMs > nowMs);
  let notBeforeMs = current?.notBeforeMs ?? 0;
  let exceptHandle = current?.exceptHandle;
  let handles = kept;
  let expiresAtMs = Math.max(current?.expiresAtMs ?? 0, nowMs);
  if (change.kind === 'handle') {
    handles = [...kept.filter((h) => h.handle !== change.handle), { handle: change.handle, untilMs: change.untilMs }];
    expiresAtMs = Math.max(expiresAtMs, change.untilMs);
  } else {
    notBeforeMs = Math.max(notBeforeMs, change.atMs);
    exceptHandle = change.except;
    expiresAtMs = Math.max(expiresAtMs, change.untilMs);
  }
  return { userId, notBeforeMs, exceptHandle, handles, changedAtMs: nowMs, expiresAtMs };
}

/**
 * Whether `revocation` ends the session with `handle`, bound to its user at `sinceMs`. A session bound in the
 * very millisecond of a "sign out everywhere" is ended too: when in doubt, out.
 */
export function isRevokedBy(revocation: UserRevocation, handle: string, sinceMs: number): boolean {
  if (sinceMs <= revocation.notBeforeMs && handle !== revocation.exceptHandle) return true;
  for (const h of revocation.handles) if (h.handle === handle) return true;
  return false;
}
