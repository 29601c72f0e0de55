import { DEFAULT_SESSION_KIND, type UserSessionRecord } from '@gaes/core';
import { endAllUserSessions, endUserSession, listUserSessions } from '@gaes/datastore';
import type { Datastore } from '@google-cloud/datastore';

/** What `gaes-sessions` does: list a user's sessions, end one (`handle`), or end them all. */
export type SessionsRequest =
  | { readonly action: 'list' }
  | { readonly action: 'end'; readonly handle: string }
  | { readonly action: 'end'; readonly all: true; readonly lifetimeMs: number };

/** Options of {@link sessions}. */
export interface SessionsOptions {
  readonly datastore: Datastore;
  /** The user id the app passed to `setUser`. */
  readonly userId: string;
  /** Namespace of the sessions, their records and revocations. @default the default namespace */
  readonly namespace?: string | undefined;
  /** Kind of the session entities (their Datastore copies, deleted when ended). @default {@link DEFAULT_SESSION_KIND} */
  readonly kind?: string | undefined;
  /** The time sessions are judged against, in ms since the epoch. */
  readonly now: number;
}

/** One session as `gaes-sessions` shows it (never its id: a handle names a session without opening it). */
export interface SessionInfo {
  readonly handle: string;
  /** When the session was bound to the user (the sign-in), ISO 8601. */
  readonly createdAt: string;
  /** When it was last seen (the app updates it at most every `userSeenInterval`). */
  readonly lastSeenAt: string;
  readonly expiresAt: string;
  /** The browser's User-Agent when last seen; `null` when it sent none. */
  readonly userAgent: string | null;
}

interface ResultBase {
  readonly command: 'sessions';
  readonly status: 'done';
  readonly user: string;
  readonly namespace: string | null;
}

/** What `gaes-sessions list` found: the object `--json` prints. */
export interface SessionsListResult extends ResultBase {
  readonly action: 'list';
  /** The user's live sessions, newest activity first (empty for an unknown user). */
  readonly sessions: SessionInfo[];
}

/** What `gaes-sessions end` did: the object `--json` prints. */
export interface SessionsEndResult extends ResultBase {
  readonly action: 'end';
  /** `handle`: one session (`--handle`); `all`: every session of the user (`--all`). */
  readonly scope: 'handle' | 'all';
  /** The handle asked for (`--handle`). */
  readonly handle?: string;
  /** How many live sessions were ended: 0 when `--handle` names no live session of the user (nothing is written then). */
  readonly ended: number;
  /** The sessions ended, newest activity first. */
  readonly sessions: SessionInfo[];
  /** `--all`: sessions bound to the user at or before this time are ended, listed or not (ISO 8601). */
  readonly notBefore?: string;
  /** Until when the revocation is kept (then no session it ends can be alive); `null` when nothing was revoked. */
  readonly revokedUntil: string | null;
  /** The kind whose entities were deleted. */
  readonly kind: string;
}

/** What a `gaes-sessions` command did. */
export type SessionsResult = SessionsListResult | SessionsEndResult;

const iso = (ms: number): string => new Date(ms).toISOString();

function info(r: UserSessionRecord): SessionInfo {
  return { handle: r.handle, createdAt: iso(r.createdAtMs), lastSeenAt: iso(r.lastSeenAtMs), expiresAt: iso(r.expiresAtMs), userAgent: r.userAgent ?? null };
}

/**
 * Runs one `gaes-sessions` command against Datastore: `list` reads a user's live sessions; `end` ends one
 * session (`handle`) or all of them (`all`) as the app's `endSession`/`endAllSessions` do — the revocation
 * first (every app instance refuses the sessions within its `revocationPoll`, cookie-tier ones included),
 * then the sessions' entities in Datastore and their records. Copies in the app's cache (Redis, Memcached)
 * are out of reach: they are refused through the revocation, not deleted.
 *
 * @throws {ConfigError} for a malformed user id or handle
 * @throws {StoreUnavailableError} / {StoreRejectedError} when Datastore fails (rerunning is safe)
 * @example
 * const r = await sessions({ action: 'end', all: true, lifetimeMs: 7 * 86_400_000 }, { datastore, userId: 'alice', now: Date.now() });
 */
export async function sessions(request: SessionsRequest, options: SessionsOptions): Promise<SessionsResult> {
  const where = { datastore: options.datastore, namespace: options.namespace, kind: options.kind, now: options.now, userId: options.userId };
  const base: ResultBase = { command: 'sessions', status: 'done', user: options.userId, namespace: options.namespace ?? null };
  if (request.action === 'list') return { ...base, action: 'list', sessions: (await listUserSessions(where)).map(info) };
  const kind = options.kind ?? DEFAULT_SESSION_KIND;
  if ('handle' in request) {
    const ended = await endUserSession({ ...where, handle: request.handle });
    const list = ended === undefined ? [] : [info(ended)];
    return { ...base, action: 'end', scope: 'handle', handle: request.handle, ended: list.length, sessions: list, revokedUntil: ended === undefined ? null : iso(ended.expiresAtMs), kind };
  }
  const { ended, revocation } = await endAllUserSessions({ ...where, lifetimeMs: request.lifetimeMs });
  return {
    ...base,
    action: 'end',
    scope: 'all',
    ended: ended.length,
    sessions: ended.map(info),
    notBefore: iso(revocation.notBeforeMs),
    revokedUntil: iso(revocation.expiresAtMs),
    kind,
  };
}
