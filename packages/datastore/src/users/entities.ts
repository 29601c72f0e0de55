import type { RevokedHandle, UserRevocation, UserSessionRecord } from '@gaes/core';
import type { Entity, Key } from '@google-cloud/datastore';

/**
 * The entities of the kinds `USER_SESSION_KIND` and `USER_KIND` (named in `@gaes/core`'s `datastore-names.ts`).
 * Both carry this indexed property: when the entity stops mattering, which the sweeper (`sweep.ts`) queries.
 */
export const EXPIRES_AT = 'expiresAt';

/**
 * Key names carry a prefix: Datastore reserves names of the form `__name__`, which a user id or a handle could
 * otherwise take.
 */
export function recordKeyName(handle: string): string {
  return `h:${handle}`;
}
export function userKeyName(userId: string): string {
  return `u:${userId}`;
}

/**
 * A session record entity. Indexed: `userId` (listing a user's sessions: a built-in single-property index)
 * and `expiresAt` (the sweeper; also usable by a Datastore TTL policy). Nothing needs a composite index.
 */
export function recordEntity(key: Key, record: UserSessionRecord): Entity {
  return {
    key,
    data: [
      { name: 'userId', value: record.userId, excludeFromIndexes: false },
      { name: 'sessionId', value: record.sessionId, excludeFromIndexes: true },
      { name: 'createdAt', value: new Date(record.createdAtMs), excludeFromIndexes: true },
      { name: 'lastSeenAt', value: new Date(record.lastSeenAtMs), excludeFromIndexes: true },
      { name: EXPIRES_AT, value: new Date(record.expiresAtMs), excludeFromIndexes: false },
      { name: 'userAgent', value: record.userAgent ?? null, excludeFromIndexes: true },
    ],
  };
}

function time(value: unknown): number {
  return value instanceof Date ? value.getTime() : Number.NaN;
}

/** A record from its entity; `undefined` for an entity without the expected properties. */
export function recordOf(handle: string, entity: Record<string, unknown> | undefined): UserSessionRecord | undefined {
  if (entity === undefined || entity === null) return undefined;
  const { userId, sessionId, userAgent } = entity;
  const createdAtMs = time(entity['createdAt']);
  const lastSeenAtMs = time(entity['lastSeenAt']);
  const expiresAtMs = time(entity[EXPIRES_AT]);
  if (typeof userId !== 'string' || typeof sessionId !== 'string' || [createdAtMs, lastSeenAtMs, expiresAtMs].some(Number.isNaN)) return undefined;
  return { handle, userId, sessionId, createdAtMs, lastSeenAtMs, expiresAtMs, userAgent: typeof userAgent === 'string' ? userAgent : undefined };
}

/**
 * A revocation entity. Indexed: `changedAt` (what instances poll: `changedAt > t`, a built-in index) and
 * `expiresAt` (the sweeper).
 */
export function revocationEntity(key: Key, revocation: UserRevocation): Entity {
  return {
    key,
    data: [
      { name: 'userId', value: revocation.userId, excludeFromIndexes: true },
      { name: 'notBefore', value: new Date(revocation.notBeforeMs), excludeFromIndexes: true },
      { name: 'exceptHandle', value: revocation.exceptHandle ?? null, excludeFromIndexes: true },
      { name: 'handles', value: JSON.stringify(revocation.handles), excludeFromIndexes: true },
      { name: 'changedAt', value: new Date(revocation.changedAtMs), excludeFromIndexes: false },
      { name: EXPIRES_AT, value: new Date(revocation.expiresAtMs), excludeFromIndexes: false },
    ],
  };
}

function handlesOf(text: unknown): RevokedHandle[] | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return undefined;
    return parsed.filter(
      (h): h is RevokedHandle => typeof (h as RevokedHandle)?.handle === 'string' && typeof (h as RevokedHandle)?.untilMs === 'number',
    );
  } catch {
    return undefined;
  }
}

/** A revocation from its entity; `undefined` for an entity without the expected properties. */
export function revocationOf(entity: Record<string, unknown> | undefined): UserRevocation | undefined {
  if (entity === undefined || entity === null) return undefined;
  const { userId, exceptHandle } = entity;
  const handles = handlesOf(entity['handles']);
  const notBeforeMs = time(entity['notBefore']);
  const changedAtMs = time(entity['changedAt']);
  const expiresAtMs = time(entity[EXPIRES_AT]);
  if (typeof userId !== 'string' || handles === undefined || [notBeforeMs, changedAtMs, expiresAtMs].some(Number.isNaN)) return undefined;
  return { userId, notBeforeMs, exceptHandle: typeof exceptHandle === 'string' ? exceptHandle : undefined, handles, changedAtMs, expiresAtMs };
}
