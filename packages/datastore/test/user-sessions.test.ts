import { ConfigError, createSessionId, isRevokedBy, newSessionHandle, type UserSessionRecord } from '@gaes/core';
import t from 'tap';
import { DatastoreUserDirectory, endAllUserSessions, endUserSession, listUserSessions } from '../src/index.ts';
import { freshNamespace, keyNames, startDatastore } from '@gaes/test-support/datastore';
import { recordRequests } from './fixtures/requests.ts';

const { datastore } = await startDatastore(t);
const NOW = Date.UTC(2031, 4, 6, 12, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;
const KIND = 'GaesSession';

/** A user-bound session: its entity in Datastore and its record, as the app writes them. */
async function signIn(namespace: string, userId: string, at: { createdAtMs?: number; lastSeenAtMs?: number; expiresAtMs?: number } = {}): Promise<UserSessionRecord> {
  const expiresAtMs = at.expiresAtMs ?? NOW + DAY;
  const sessionId = createSessionId(expiresAtMs, false);
  const record: UserSessionRecord = {
    handle: newSessionHandle(),
    userId,
    sessionId,
    createdAtMs: at.createdAtMs ?? NOW - DAY,
    lastSeenAtMs: at.lastSeenAtMs ?? NOW - MINUTE,
    expiresAtMs,
    userAgent: 'Mozilla/5.0 (test)',
  };
  await datastore.save({ key: datastore.key({ namespace, path: [KIND, sessionId] }), data: { payload: Buffer.alloc(8), expiresAt: new Date(expiresAtMs) } });
  await new DatastoreUserDirectory({ datastore, namespace }).put(record);
  return record;
}

const ids = (records: readonly UserSessionRecord[]) => records.map((r) => r.sessionId).sort();
const names = (records: readonly UserSessionRecord[]) => records.map((r) => `h:${r.handle}`).sort();

t.test('listUserSessions: live sessions only, newest activity first; an unknown user has none', async (t) => {
  const namespace = freshNamespace();
  const older = await signIn(namespace, 'alice', { lastSeenAtMs: NOW - 2 * MINUTE });
  const newer = await signIn(namespace, 'alice', { lastSeenAtMs: NOW - MINUTE });
  await signIn(namespace, 'alice', { expiresAtMs: NOW }); // expired
  const revoked = await signIn(namespace, 'alice');
  await signIn(namespace, 'bob');
  await new DatastoreUserDirectory({ datastore, namespace }).revoke('alice', { kind: 'handle', handle: revoked.handle, untilMs: NOW + DAY }, NOW - 1);
  t.same(await listUserSessions({ datastore, namespace, now: NOW, userId: 'alice' }), [newer, older]);
  t.same(await listUserSessions({ datastore, namespace, now: NOW, userId: 'nobody' }), []);
  await t.rejects(listUserSessions({ datastore, namespace, now: NOW, userId: '' }), ConfigError);
});

t.test('endUserSession: revokes the handle, then deletes its Datastore entity and its record', async (t) => {
  const namespace = freshNamespace();
  const [a, b] = [await signIn(namespace, 'alice'), await signIn(namespace, 'alice')] as [UserSessionRecord, UserSessionRecord];
  const ended = await endUserSession({ datastore, namespace, now: NOW, userId: 'alice', handle: a.handle });
  t.same(ended, a);
  const revocation = await new DatastoreUserDirectory({ datastore, namespace }).revocation('alice');
  t.ok(revocation !== undefined && isRevokedBy(revocation, a.handle, a.createdAtMs), 'every instance refuses it once it polls');
  t.ok(revocation !== undefined && !isRevokedBy(revocation, b.handle, b.createdAtMs), 'the other session is not touched');
  t.match(revocation, { notBeforeMs: 0, changedAtMs: NOW, expiresAtMs: a.expiresAtMs });
  t.same(await keyNames(datastore, KIND, namespace), ids([b]));
  t.same(await keyNames(datastore, 'GaesUserSession', namespace), names([b]));
  t.equal(await endUserSession({ datastore, namespace, now: NOW, userId: 'alice', handle: a.handle }), undefined, 'ended once');
});

t.test('endUserSession: an unknown, foreign, expired or revoked handle ends nothing and writes nothing', async (t) => {
  const namespace = freshNamespace();
  const bobs = await signIn(namespace, 'bob');
  const expired = await signIn(namespace, 'alice', { expiresAtMs: NOW - 1000 });
  const revoked = await signIn(namespace, 'alice');
  const directory = new DatastoreUserDirectory({ datastore, namespace });
  await directory.revoke('alice', { kind: 'all', atMs: NOW - 1, except: undefined, untilMs: NOW + DAY }, NOW - 1);
  const requests = recordRequests(t);
  for (const handle of [newSessionHandle(), bobs.handle, expired.handle, revoked.handle]) {
    t.equal(await endUserSession({ datastore, namespace, now: NOW, userId: 'alice', handle }), undefined);
  }
  t.notOk(requests.some((r) => r.method === 'commit'), 'no Commit');
  t.match(await directory.revocation('alice'), { changedAtMs: NOW - 1 }, 'the revocation is unchanged');
  t.same(await keyNames(datastore, 'GaesUser', namespace), ['u:alice'], 'and no other written');
  t.same(await keyNames(datastore, KIND, namespace), ids([bobs, expired, revoked]));
  await t.rejects(endUserSession({ datastore, namespace, now: NOW, userId: 'alice', handle: 'not-a-handle' }), ConfigError);
});

t.test('endAllUserSessions: one revocation of everything bound until now, then the entities and records in Commits of at most 500', async (t) => {
  const namespace = freshNamespace();
  const alices: UserSessionRecord[] = [];
  for (let i = 0; i < 520; i += 40) {
    alices.push(...(await Promise.all(Array.from({ length: Math.min(40, 520 - i) }, (_, j) => signIn(namespace, 'alice', { lastSeenAtMs: NOW - (i + j) * 1000, expiresAtMs: NOW + DAY + i + j })))));
  }
  const bobs = await signIn(namespace, 'bob');
  const requests = recordRequests(t);
  const { ended, revocation } = await endAllUserSessions({ datastore, namespace, now: NOW, userId: 'alice', lifetimeMs: 7 * DAY });
  t.equal(ended.length, 520);
  t.same(ended.map((r) => r.handle), alices.map((r) => r.handle), 'newest activity first');
  t.match(revocation, { userId: 'alice', notBeforeMs: NOW, exceptHandle: undefined, changedAtMs: NOW, expiresAtMs: NOW + 7 * DAY });
  t.ok(isRevokedBy(revocation, newSessionHandle(), NOW), 'also a session no record lists, bound until now');
  t.notOk(isRevokedBy(revocation, newSessionHandle(), NOW + 1), 'not a later sign-in');
  t.same(await keyNames(datastore, KIND, namespace), ids([bobs]));
  t.same(await keyNames(datastore, 'GaesUserSession', namespace), names([bobs]));
  const deletes = requests.filter((r) => r.method === 'commit' && r.reqOpts.mutations?.every((m) => 'delete' in m));
  t.same(deletes.map((r) => r.reqOpts.mutations?.length), [500, 20, 500, 20], 'sessions, then records, 500 at most a Commit');
});

t.test('endAllUserSessions: the revocation lasts as long as the longest-lived record if that is later; for a user with no sessions too', async (t) => {
  const namespace = freshNamespace();
  const late = await signIn(namespace, 'carol', { expiresAtMs: NOW + 30 * DAY });
  const r = await endAllUserSessions({ datastore, namespace, now: NOW, userId: 'carol', lifetimeMs: DAY });
  t.equal(r.revocation.expiresAtMs, late.expiresAtMs);
  const none = await endAllUserSessions({ datastore, namespace, now: NOW, userId: 'dave', lifetimeMs: DAY });
  t.same(none.ended, []);
  t.match(none.revocation, { notBeforeMs: NOW, expiresAtMs: NOW + DAY }, 'written anyway: sessions without a record end too');
  await t.rejects(endAllUserSessions({ datastore, namespace, now: NOW, userId: 'dave', lifetimeMs: 0 }), ConfigError);
});
