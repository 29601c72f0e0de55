import {
  assertUserId,
  ConfigError,
  DATASTORE_MAX_MUTATIONS_PER_COMMIT,
  isRevokedBy,
  isSessionHandle,
  parseSessionId,
  USER_SESSION_KIND,
  type UserRevocation,
  type UserSessionRecord,
} from '@gaes/core';
import type { Key } from '@google-cloud/datastore';
import { resolveLocation, type DatastoreInput, type SessionKindLocation } from '../client.ts';
import { sessionKey } from '../entity.ts';
import { resolveRetry, withRetry, type RetryOptions, type RetryPolicy } from '../retry.ts';
import { recordKeyName } from './entities.ts';
import { DatastoreUserDirectory } from './user-directory.ts';

/** Where a user's sessions are: options of {@link listUserSessions}, {@link endUserSession} and {@link endAllUserSessions}. */
export interface UserSessionsOptions {
  readonly datastore: DatastoreInput;
  /** Namespace of the sessions, their records and revocations. @default the client's namespace */
  readonly namespace?: string | undefined;
  /** Kind of the session entities (their server-side copies in Datastore). @default {@link @gaes/core!DEFAULT_SESSION_KIND} */
  readonly kind?: string | undefined;
  /** The time sessions are judged against, in ms since the epoch. */
  readonly now: number;
  /** How transient failures are retried, per RPC. */
  readonly retry?: RetryOptions | undefined;
}

/** What {@link endAllUserSessions} did. */
export interface EndedUserSessions {
  /** The live sessions it ended (their records are deleted). */
  readonly ended: UserSessionRecord[];
  /** The user's revocations as written: `notBeforeMs` is `now`, and it matters until `expiresAtMs`. */
  readonly revocation: UserRevocation;
}

interface Context {
  readonly loc: SessionKindLocation;
  readonly retry: RetryPolicy;
  readonly directory: DatastoreUserDirectory;
}

function context(options: UserSessionsOptions): Context {
  if (!Number.isFinite(options.now)) throw new ConfigError('`now` must be a time in ms since the epoch');
  const loc = resolveLocation(options);
  const retry = resolveRetry(options.retry);
  return { loc, retry, directory: new DatastoreUserDirectory({ datastore: loc.datastore, namespace: loc.namespace, retry: options.retry }) };
}

/** Whether `record` is of a session still alive at `nowMs`: not expired, not ended by the user's revocations. */
function isLive(record: UserSessionRecord, revocation: UserRevocation | undefined, nowMs: number): boolean {
  if (record.expiresAtMs <= nowMs) return false;
  return revocation === undefined || !isRevokedBy(revocation, record.handle, record.createdAtMs);
}

async function liveRecords(ctx: Context, userId: string, nowMs: number): Promise<UserSessionRecord[]> {
  const [records, revocation] = await Promise.all([ctx.directory.list(userId), ctx.directory.revocation(userId)]);
  return records.filter((r) => isLive(r, revocation, nowMs));
}

/**
 * The live sessions of `userId` — cookie-tier ones included, whichever app instance served them — newest
 * activity first, judged as the app's `listSessions` judges them (expired and revoked ones are left out). An
 * unknown user has none. One query and one Lookup.
 * @throws {ConfigError} for a user id that is not 1–255 UTF-8 bytes, or invalid options
 */
export async function listUserSessions(options: UserSessionsOptions & { readonly userId: string }): Promise<UserSessionRecord[]> {
  assertUserId(options.userId);
  const records = await liveRecords(context(options), options.userId, options.now);
  return records.sort((a, b) => b.lastSeenAtMs - a.lastSeenAtMs);
}

/** Deletes `keys` in Commits of at most {@link DATASTORE_MAX_MUTATIONS_PER_COMMIT}. */
async function deleteKeys(ctx: Context, keys: readonly Key[]): Promise<void> {
  for (let i = 0; i < keys.length; i += DATASTORE_MAX_MUTATIONS_PER_COMMIT) {
    const batch = keys.slice(i, i + DATASTORE_MAX_MUTATIONS_PER_COMMIT);
    await withRetry(ctx.retry, 'delete', (gaxOptions) => ctx.loc.datastore.delete(batch, gaxOptions));
  }
}

/**
 * After the revocation: the sessions' entities in Datastore (of the records' current ids; a record naming no
 * session id is skipped), then the records. The app's cache is out of reach: copies there are refused through
 * the revocation, not deleted.
 */
async function deleteEnded(ctx: Context, records: readonly UserSessionRecord[]): Promise<void> {
  const { datastore, namespace } = ctx.loc;
  const ids = records.map((r) => r.sessionId).filter((id) => parseSessionId(id) !== undefined);
  await deleteKeys(ctx, ids.map((id) => sessionKey(ctx.loc, id)));
  const path = (r: UserSessionRecord) => [USER_SESSION_KIND, recordKeyName(r.handle)];
  await deleteKeys(ctx, records.map((r) => (namespace === undefined ? datastore.key(path(r)) : datastore.key({ namespace, path: path(r) }))));
}

/**
 * Ends session `handle` of `userId` from outside the app, as the app's `endSession` does: the handle is revoked
 * first (every app instance refuses the session within its `revocationPoll`, whatever its tier), then its
 * entity in Datastore and its record are deleted. `undefined` when there is no live session `handle` of `userId`
 * (unknown, another user's, expired or already ended): nothing is written then.
 * @returns the record of the session ended
 * @throws {ConfigError} for a malformed user id or handle, or invalid options
 */
export async function endUserSession(options: UserSessionsOptions & { readonly userId: string; readonly handle: string }): Promise<UserSessionRecord | undefined> {
  assertUserId(options.userId);
  if (!isSessionHandle(options.handle)) throw new ConfigError('a session handle is 22 base64url characters, as `listSessions` gives it');
  const ctx = context(options);
  const record = await ctx.directory.get(options.handle);
  if (record === undefined || record.userId !== options.userId) return undefined;
  if (!isLive(record, await ctx.directory.revocation(options.userId), options.now)) return undefined;
  await ctx.directory.revoke(options.userId, { kind: 'handle', handle: record.handle, untilMs: record.expiresAtMs }, options.now);
  await deleteEnded(ctx, [record]);
  return record;
}

/**
 * Ends every session of `userId` from outside the app (sign out everywhere), as the app's `endAllSessions`
 * does without `except`: a revocation of every session bound at or before `now` — listed or not, on every app
 * instance within its `revocationPoll` — then the entities in Datastore and the records of the live sessions.
 * The revocation matters until `now + lifetimeMs` or the latest expiry among the user's records, whichever is
 * later; pass the apps' session `lifetime`, or sessions not listed could outlive it.
 * @throws {ConfigError} for a malformed user id, or invalid options
 */
export async function endAllUserSessions(options: UserSessionsOptions & { readonly userId: string; readonly lifetimeMs: number }): Promise<EndedUserSessions> {
  assertUserId(options.userId);
  if (!Number.isSafeInteger(options.lifetimeMs) || options.lifetimeMs <= 0) throw new ConfigError('`lifetimeMs` must be a whole number of milliseconds over 0');
  const ctx = context(options);
  const [records, current] = await Promise.all([ctx.directory.list(options.userId), ctx.directory.revocation(options.userId)]);
  const live = records.filter((r) => isLive(r, current, options.now));
  const untilMs = Math.max(options.now + options.lifetimeMs, ...records.map((r) => r.expiresAtMs));
  const revocation = await ctx.directory.revoke(options.userId, { kind: 'all', atMs: options.now, except: undefined, untilMs }, options.now);
  await deleteEnded(ctx, live);
  return { ended: live.sort((a, b) => b.lastSeenAtMs - a.lastSeenAtMs), revocation };
}
