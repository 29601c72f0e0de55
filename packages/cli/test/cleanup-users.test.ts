import { USER_KIND, USER_SESSION_KIND } from '@gaes/core';
import t from 'tap';
import { runCleanupCli } from '../src/cleanup-cli.ts';
import { isKeysOnly, recordRequests } from '../../datastore/test/fixtures/requests.ts';
import { emulatorEnv, freshNamespace, seedSessions, startDatastore, storedIds } from '@gaes/test-support/datastore';
import { captureIo, tickingClock } from './fixtures/io.ts';
import { putRecords, putRevocation, userRecord } from './fixtures/users.ts';

const db = await startDatastore(t);
const NOW = Date.UTC(2031, 4, 6, 12, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;
const env = emulatorEnv(db);

interface Seeded {
  readonly namespace: string;
  readonly liveSessions: string[];
  readonly liveRecords: string[];
  readonly liveRevocations: string[];
}

/**
 * 60 sessions (50 expired), 650 records of user sessions (620 expired, some exactly at NOW) and 8 revocations
 * (5 expired), in a fresh namespace.
 */
async function seeded(): Promise<Seeded> {
  const namespace = freshNamespace();
  const sessionIds = await seedSessions(db.datastore, namespace, Array.from({ length: 60 }, (_, i) => ({ expiresAtMs: i < 50 ? NOW - 1000 * (i + 1) : NOW + DAY, updatedAtMs: NOW - MINUTE })));
  const records = Array.from({ length: 650 }, (_, i) =>
    userRecord(`user-${i % 9}`, { createdAtMs: NOW - 2 * DAY, lastSeenAtMs: NOW - DAY, expiresAtMs: i < 620 ? NOW - (i % 3) * MINUTE : NOW + i }),
  );
  await putRecords(db.datastore, namespace, records);
  for (let i = 0; i < 8; i++) await putRevocation(db.datastore, namespace, `revoked-${i}`, i < 5 ? NOW - i * MINUTE : NOW + DAY);
  return {
    namespace,
    liveSessions: sessionIds.slice(50).sort(),
    liveRecords: records.slice(620).map((r) => `h:${r.handle}`).sort(),
    liveRevocations: ['u:revoked-5', 'u:revoked-6', 'u:revoked-7'],
  };
}

async function run(namespace: string, args: string[], clock?: () => number) {
  const captured = captureIo({ env, now: () => NOW, ...(clock === undefined ? {} : { clock }) });
  const code = await runCleanupCli(['--namespace', namespace, ...args], captured.io);
  return { code, ...captured };
}

async function remaining(namespace: string) {
  return {
    sessions: await storedIds(db.datastore, namespace),
    records: await storedIds(db.datastore, namespace, USER_SESSION_KIND),
    revocations: await storedIds(db.datastore, namespace, USER_KIND),
  };
}

t.test('sessions, then expired records and revocations: counted apart, live ones kept, keys-only, Commits of at most 500', async (t) => {
  const s = await seeded();
  const requests = recordRequests(t);
  db.emulator?.resetCounts();
  const r = await run(s.namespace, ['--json']);
  const counts = db.emulator?.rpcCounts();
  const sent = requests.splice(0);
  t.equal(r.code, 0, r.stderr());
  t.match(r.json(), {
    command: 'cleanup',
    status: 'done',
    exitCode: 0,
    deleted: 50,
    scanned: 50,
    records: { deleted: 620, scanned: 620 },
    revocations: { deleted: 5, scanned: 5 },
  });
  t.same(await remaining(s.namespace), { sessions: s.liveSessions, records: s.liveRecords, revocations: s.liveRevocations });
  const queries = sent.filter((q) => q.method === 'runQuery');
  t.ok(queries.length > 0 && queries.every(isKeysOnly), 'every query is keys-only');
  t.same(
    sent.filter((q) => q.method === 'commit').map((q) => q.reqOpts.mutations?.length),
    [50, 500, 120, 5],
    'one Commit of sessions, records in Commits of at most 500, then revocations',
  );
  t.notOk(sent.some((q) => q.method === 'lookup'), 'no entity is read');
  if (counts !== undefined) t.equal(counts.Lookup, 0);
});

t.test('--dry-run counts records and revocations and deletes nothing; text names them on their own line', async (t) => {
  const s = await seeded();
  const before = await remaining(s.namespace);
  const json = await run(s.namespace, ['--dry-run', '--json']);
  t.match(json.json(), { dryRun: true, deleted: 50, records: { deleted: 620 }, revocations: { deleted: 5 } });
  const text = await run(s.namespace, ['--dry-run']);
  t.match(text.stdout(), /\nWould delete 620 expired records of user sessions \(GaesUserSession\) and 5 expired revocations \(GaesUser\)\.\n$/);
  t.same(await remaining(s.namespace), before, 'nothing deleted');
  const done = await run(s.namespace, []);
  t.match(done.stdout(), /^Deleted 50 expired sessions — GaesSession in namespace \S+; scanned 50 in [\d.]+ s\.\nDeleted 620 expired records of user sessions \(GaesUserSession\) and 5 expired revocations \(GaesUser\)\.\n$/);
});

t.test('--max-time: records left over mean exit 3; a rerun finishes them and the revocations', async (t) => {
  const s = await seeded();
  // Every read of the clock moves it a second: the sessions' batch, one batch of records, then the limit.
  const partial = await run(s.namespace, ['--max-time', '3s', '--json'], tickingClock(1000));
  t.equal(partial.code, 3);
  t.match(partial.json(), { status: 'partial', exitCode: 3, deleted: 50, records: { deleted: 500 }, revocations: { deleted: 0 } });
  const text = await run(s.namespace, ['--max-time', '5s'], tickingClock(1000));
  t.equal(text.code, 0, 'the second run finishes: one batch of each kind');
  t.match(text.stdout(), /Deleted 120 expired records of user sessions \(GaesUserSession\) and 5 expired revocations \(GaesUser\)\./);
  t.same(await remaining(s.namespace), { sessions: s.liveSessions, records: s.liveRecords, revocations: s.liveRevocations });
});
