import { ConfigError, USER_KIND, USER_SESSION_KIND, type UserRevocation, type UserSessionRecord } from '@gaes/core';
import type { Datastore } from '@google-cloud/datastore';
import t from 'tap';
import { DatastoreUserDirectory, deleteExpiredUserEntities, type UserSweepProgress } from '../src/index.ts';
import { recordEntity, recordKeyName, revocationEntity, userKeyName } from '../src/users/entities.ts';
import { freshNamespace, keyNames, NEEDS_IN_MEMORY_EMULATOR, startDatastore } from '@gaes/test-support/datastore';
import { isKeysOnly, recordRequests } from './fixtures/requests.ts';

const { datastore, emulator } = await startDatastore(t);
const withEmulator = { skip: emulator === undefined && NEEDS_IN_MEMORY_EMULATOR };
const NOW = Date.UTC(2031, 4, 6, 12, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;
const forever = Number.POSITIVE_INFINITY;
const noSleep = { sleep: async () => {} };

function record(i: number, expiresAtMs: number): UserSessionRecord {
  return {
    handle: `h${String(i).padStart(20, '0')}A`,
    userId: `user-${i % 7}`,
    sessionId: `session-${i}`,
    createdAtMs: NOW - DAY,
    lastSeenAtMs: NOW - MINUTE,
    expiresAtMs,
    userAgent: 'test',
  };
}

function revocation(userId: string, expiresAtMs: number): UserRevocation {
  return { userId, notBeforeMs: NOW - DAY, exceptHandle: undefined, handles: [], changedAtMs: NOW - DAY, expiresAtMs };
}

/** Writes records and revocations as the directory stores them, 500 per Commit. */
async function seed(ds: Datastore, namespace: string, records: readonly UserSessionRecord[], revocations: readonly UserRevocation[]): Promise<void> {
  const entities = [
    ...records.map((r) => recordEntity(ds.key({ namespace, path: [USER_SESSION_KIND, recordKeyName(r.handle)] }), r)),
    ...revocations.map((r) => revocationEntity(ds.key({ namespace, path: [USER_KIND, userKeyName(r.userId)] }), r)),
  ];
  for (let i = 0; i < entities.length; i += 500) await ds.save(entities.slice(i, i + 500));
}

/**
 * 1,300 records (every other one expired, some exactly at NOW) and 700 revocations (3 in 7 expired), in a fresh
 * namespace; returns the key names that must survive.
 */
async function seedMixed(): Promise<{ namespace: string; liveRecords: string[]; liveRevocations: string[]; expiredRecords: number; expiredRevocations: number }> {
  const namespace = freshNamespace();
  const records = Array.from({ length: 1300 }, (_, i) => record(i, i % 2 === 0 ? NOW - (i % 10) * MINUTE : NOW + 1 + i));
  const revocations = Array.from({ length: 700 }, (_, i) => revocation(`u${i}`, i % 7 < 3 ? NOW - i : NOW + DAY));
  await seed(datastore, namespace, records, revocations);
  const liveRecords = records.filter((r) => r.expiresAtMs > NOW).map((r) => recordKeyName(r.handle)).sort();
  const liveRevocations = revocations.filter((r) => r.expiresAtMs > NOW).map((r) => userKeyName(r.userId)).sort();
  return { namespace, liveRecords, liveRevocations, expiredRecords: 1300 - liveRecords.length, expiredRevocations: 700 - liveRevocations.length };
}

t.test('deletes exactly the expired records and revocations, keys-only, at most 500 keys a Commit', async (t) => {
  const s = await seedMixed();
  t.equal(s.expiredRecords, 650);
  t.equal(s.expiredRevocations, 300);
  const progress: UserSweepProgress[] = [];
  const requests = recordRequests(t);
  emulator?.resetCounts();
  const result = await deleteExpiredUserEntities({ datastore, namespace: s.namespace, now: NOW, deadline: forever, onProgress: (p) => progress.push(p) });
  const counts = emulator?.rpcCounts();
  const sent = requests.splice(0); // the sweep's requests, not the checks' below
  t.same(result, { records: { deleted: 650, scanned: 650 }, revocations: { deleted: 300, scanned: 300 }, done: true });
  t.same(await keyNames(datastore, USER_SESSION_KIND, s.namespace), s.liveRecords, 'the live records remain');
  t.same(await keyNames(datastore, USER_KIND, s.namespace), s.liveRevocations, 'the live revocations remain');
  t.same(progress.map((p) => p.records.deleted + p.revocations.deleted), [500, 950], 'one report after the full batch, one at the end');

  const queries = sent.filter((r) => r.method === 'runQuery');
  t.ok(queries.length > 0 && queries.every(isKeysOnly), 'every query is keys-only');
  t.ok(queries.every((r) => r.inTransaction), 'every query runs in its batch transaction');
  const commits = sent.filter((r) => r.method === 'commit');
  t.same(commits.map((r) => r.reqOpts.mutations?.length), [500, 150, 300], 'Commits of at most 500 deletes');
  t.ok(commits.every((r) => r.inTransaction && r.reqOpts.mutations?.every((m) => 'delete' in m)), 'transactional deletes only');
  t.notOk(sent.some((r) => r.method === 'lookup'), 'no entity is read');
  // The emulator, like the service, returns at most 300 results a batch: 500 keys take two RunQuery calls.
  if (counts !== undefined) t.match(counts, { Lookup: 0, BeginTransaction: 3, Commit: 3 }, 'one transaction a batch; the last of each kind is short, so done');
});

t.test('a record expiring at `now` is expired, one a millisecond later is not', async (t) => {
  const namespace = freshNamespace();
  await seed(datastore, namespace, [record(1, NOW), record(2, NOW + 1)], [revocation('a', NOW), revocation('b', NOW + 1)]);
  const result = await deleteExpiredUserEntities({ datastore, namespace, now: NOW, deadline: forever });
  t.same(result, { records: { deleted: 1, scanned: 1 }, revocations: { deleted: 1, scanned: 1 }, done: true });
  t.same(await keyNames(datastore, USER_SESSION_KIND, namespace), [recordKeyName(record(2, 0).handle)]);
  t.same(await keyNames(datastore, USER_KIND, namespace), ['u:b']);
});

t.test("entities the directory wrote are swept; other namespaces and the sessions' kind are untouched", async (t) => {
  const namespace = freshNamespace();
  const other = freshNamespace();
  const directory = new DatastoreUserDirectory({ datastore, namespace });
  await directory.put(record(1, NOW - MINUTE));
  await directory.put(record(2, NOW + MINUTE));
  await directory.revoke('gone', { kind: 'handle', handle: record(3, 0).handle, untilMs: NOW - MINUTE }, NOW - 2 * MINUTE);
  await directory.revoke('kept', { kind: 'all', atMs: NOW - MINUTE, except: undefined, untilMs: NOW + DAY }, NOW - MINUTE);
  await seed(datastore, other, [record(4, NOW - MINUTE)], [revocation('elsewhere', NOW - MINUTE)]);
  await datastore.save({ key: datastore.key({ namespace, path: ['GaesSession', 'x'] }), data: { expiresAt: new Date(NOW - DAY) } });
  const result = await deleteExpiredUserEntities({ datastore, namespace, now: NOW, deadline: forever });
  t.same(result, { records: { deleted: 1, scanned: 1 }, revocations: { deleted: 1, scanned: 1 }, done: true });
  t.same(await keyNames(datastore, USER_SESSION_KIND, namespace), [recordKeyName(record(2, 0).handle)]);
  t.same(await keyNames(datastore, USER_KIND, namespace), ['u:kept']);
  t.equal((await keyNames(datastore, USER_SESSION_KIND, other)).length, 1, 'another namespace is untouched');
  t.equal((await keyNames(datastore, USER_KIND, other)).length, 1);
  t.same(await keyNames(datastore, 'GaesSession', namespace), ['x'], 'sessions are for deleteExpiredSessions');
});

t.test('dryRun counts by pages and deletes nothing', async (t) => {
  const s = await seedMixed();
  const requests = recordRequests(t);
  emulator?.resetCounts();
  const result = await deleteExpiredUserEntities({ datastore, namespace: s.namespace, now: NOW, batchSize: 200, dryRun: true, deadline: forever });
  t.same(result, { records: { deleted: 650, scanned: 650 }, revocations: { deleted: 300, scanned: 300 }, done: true });
  t.equal((await keyNames(datastore, USER_SESSION_KIND, s.namespace)).length, 1300);
  t.equal((await keyNames(datastore, USER_KIND, s.namespace)).length, 700);
  t.ok(requests.filter((r) => r.method === 'runQuery').every(isKeysOnly), 'keys-only');
  t.notOk(requests.some((r) => r.method === 'commit' || r.method === 'beginTransaction'), 'no transaction, no Commit');
});

t.test('stops at a numeric deadline; a rerun continues', async (t) => {
  const s = await seedMixed();
  let tick = 0;
  const clock = () => tick++; // 0, 1, 2, …: two batches, then the deadline
  const first = await deleteExpiredUserEntities({ datastore, namespace: s.namespace, now: NOW, batchSize: 300, deadline: 2, clock });
  t.same(first, { records: { deleted: 600, scanned: 600 }, revocations: { deleted: 0, scanned: 0 }, done: false });
  const second = await deleteExpiredUserEntities({ datastore, namespace: s.namespace, now: NOW, batchSize: 300, deadline: forever });
  t.same(second, { records: { deleted: 50, scanned: 50 }, revocations: { deleted: 300, scanned: 300 }, done: true });
  t.same(await keyNames(datastore, USER_SESSION_KIND, s.namespace), s.liveRecords);
  t.same(await keyNames(datastore, USER_KIND, s.namespace), s.liveRevocations);
});

t.test('stops when an AbortSignal fires', async (t) => {
  const s = await seedMixed();
  const controller = new AbortController();
  const result = await deleteExpiredUserEntities({
    datastore,
    namespace: s.namespace,
    now: NOW,
    batchSize: 100,
    deadline: controller.signal,
    onProgress: () => controller.abort(),
  });
  t.same(result, { records: { deleted: 100, scanned: 100 }, revocations: { deleted: 0, scanned: 0 }, done: false });
});

t.test('a revocation rewritten between the query and the delete survives (the batch is a transaction)', withEmulator, async (t) => {
  const namespace = freshNamespace();
  await seed(datastore, namespace, [], [revocation('racer', NOW - MINUTE), revocation('idle', NOW - MINUTE)]);
  const fresh = revocation('racer', NOW + DAY);
  let rewrote = false;
  recordRequests(t, async (request) => {
    if (rewrote || request.method !== 'commit' || !request.inTransaction) return;
    rewrote = true;
    // An app revokes again for this user: its write lands after the sweeper's query, before its delete.
    await datastore.save(revocationEntity(datastore.key({ namespace, path: [USER_KIND, userKeyName('racer')] }), fresh));
  });
  const result = await deleteExpiredUserEntities({ datastore, namespace, now: NOW, deadline: forever, retry: noSleep });
  t.ok(rewrote, 'the rewrite happened between the query and the Commit');
  t.same(result.revocations, { deleted: 1, scanned: 1 }, 'the conflicting batch was retried on fresh data');
  t.same(await keyNames(datastore, USER_KIND, namespace), ['u:racer'], 'the fresh revocation is kept');
  t.match(await new DatastoreUserDirectory({ datastore, namespace }).revocation('racer'), { expiresAtMs: NOW + DAY });
});

t.test('a transient failure mid-sweep is retried', withEmulator, async (t) => {
  const em = emulator!;
  const s = await seedMixed();
  em.injectFault({ method: 'Commit', code: 14 });
  const result = await deleteExpiredUserEntities({ datastore, namespace: s.namespace, now: NOW, deadline: forever, retry: noSleep });
  t.same(result, { records: { deleted: 650, scanned: 650 }, revocations: { deleted: 300, scanned: 300 }, done: true });
});

t.test('a permanent failure throws a typed error', withEmulator, async (t) => {
  const em = emulator!;
  const s = await seedMixed();
  em.injectFault({ method: 'RunQuery', code: 7 });
  await t.rejects(deleteExpiredUserEntities({ datastore, namespace: s.namespace, now: NOW, deadline: forever }), { code: 'ERR_GAES_STORE_REJECTED' });
  t.equal((await keyNames(datastore, USER_SESSION_KIND, s.namespace)).length, 1300, 'nothing deleted');
});

t.test('invalid options are ConfigErrors', async (t) => {
  const base = { datastore, now: NOW, deadline: forever };
  for (const bad of [{ batchSize: 0 }, { batchSize: 501 }, { batchSize: 1.5 }, { now: Number.NaN }, { deadline: Number.NaN }, { deadline: 'soon' as never }, { namespace: '__x__' }]) {
    await t.rejects(deleteExpiredUserEntities({ ...base, ...bad }), ConfigError, JSON.stringify(bad));
  }
});
