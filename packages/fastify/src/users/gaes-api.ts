import { isSessionHandle, type UserDirectory, type UserSessionRecord } from '@gaes/core';
import type { ServerStore } from '../server-store.ts';
import type { RevocationFeed } from './revocation-feed.ts';

/** One of a user's sessions, as `listSessions` describes it. */
export interface GaesSessionInfo {
  /** The session's handle: pass it to `endSession`. Safe to show and to send back in a form. */
  readonly handle: string;
  /** When the session was bound to the user (the sign-in). */
  readonly createdAt: Date;
  /** When it was last seen (updated at most every `userSeenInterval`). */
  readonly lastSeenAt: Date;
  readonly expiresAt: Date;
  /** The browser's User-Agent when last seen, if it sent one. */
  readonly userAgent?: string;
  /** Set on the session named by `listSessions`'s `current` option (typically `request.session.handle`). */
  readonly current?: boolean;
}

/** `app.gaes`: a user's sessions, for account pages and incident response. */
export interface GaesUsersApi {
  /**
   * Every live session of `userId`, cookie-tier ones included, whichever instance served them; newest
   * activity first. An unknown user gives `[]`.
   * @param options.current a handle to mark `current: true` (pass `request.session.handle`)
   */
  listSessions(userId: string, options?: { readonly current?: string | undefined }): Promise<GaesSessionInfo[]>;
  /**
   * Ends the session `handle` of `userId` on every instance: a server-side one at its next request, a
   * cookie-tier one within the revocation bound (`revocationPoll`). `false` for an unknown or malformed
   * handle, a handle of another user, or an ended session: never an error for bad input.
   */
  endSession(userId: string, handle: string): Promise<boolean>;
  /**
   * Ends every session of `userId` (sign out everywhere), except `options.except` (typically the current
   * session's handle). Sessions bound later (a new sign-in) are not affected. Returns how many listed
   * sessions were ended.
   */
  endAllSessions(userId: string, options?: { readonly except?: string | undefined }): Promise<number>;
}

/** What the API needs. */
export interface UsersApiDeps {
  readonly directory: UserDirectory;
  readonly feed: RevocationFeed;
  readonly store: ServerStore;
  readonly lifetimeMs: number;
  readonly now: () => number;
}

function validUserId(userId: unknown): userId is string {
  return typeof userId === 'string' && userId.length > 0 && Buffer.byteLength(userId) <= 255;
}

function live(record: UserSessionRecord, deps: UsersApiDeps, nowMs: number): boolean {
  if (record.expiresAtMs <= nowMs) return false;
  return !deps.feed.isRevoked({ handle: record.handle, user: { id: record.userId, sinceMs: record.createdAtMs, seenAtMs: 0 } });
}

/** Builds `app.gaes`. */
export function usersApi(deps: UsersApiDeps): GaesUsersApi {
  const { directory, feed, store } = deps;
  return {
    async listSessions(userId, options = {}) {
      if (!validUserId(userId)) return [];
      const nowMs = deps.now();
      const records = (await directory.list(userId)).filter((r) => live(r, deps, nowMs));
      records.sort((a, b) => b.lastSeenAtMs - a.lastSeenAtMs);
      return records.map((r) => ({
        handle: r.handle,
        createdAt: new Date(r.createdAtMs),
        lastSeenAt: new Date(r.lastSeenAtMs),
        expiresAt: new Date(r.expiresAtMs),
        ...(r.userAgent === undefined ? {} : { userAgent: r.userAgent }),
        ...(options.current === r.handle ? { current: true } : {}),
      }));
    },

    async endSession(userId, handle) {
      if (!validUserId(userId) || !isSessionHandle(handle)) return false;
      const nowMs = deps.now();
      const record = await directory.get(handle);
      if (record === undefined || record.userId !== userId || !live(record, deps, nowMs)) return false;
      // Revoked first: from here on every instance refuses the cookie (within the poll bound); then the
      // server-side copies go, so a server-side session ends at its next request on any instance.
      feed.apply(await directory.revoke(userId, { kind: 'handle', handle, untilMs: record.expiresAtMs }, nowMs));
      await store.end(record.sessionId);
      await directory.delete(handle);
      return true;
    },

    async endAllSessions(userId, options = {}) {
      if (!validUserId(userId)) return 0;
      const except = options.except !== undefined && isSessionHandle(options.except) ? options.except : undefined;
      const nowMs = deps.now();
      const records = (await directory.list(userId)).filter((r) => r.handle !== except && live(r, deps, nowMs));
      feed.apply(await directory.revoke(userId, { kind: 'all', atMs: nowMs, except, untilMs: nowMs + deps.lifetimeMs }, nowMs));
      for (const record of records) {
        await store.end(record.sessionId);
        await directory.delete(record.handle);
      }
      return records.length;
    },
  };
}
