import { isRevokedBy, newSessionHandle, USER_KIND, USER_SESSION_KIND, type UserSessionRecord } from '@gaes/core';
import { DatastoreUserDirectory } from '@gaes/datastore';
import t from 'tap';
import { runSessionsCli } from '../src/sessions-cli.ts';
import { emulatorEnv, freshNamespace, NEEDS_IN_MEMORY_EMULATOR, startDatastore, storedIds } from '@gaes/test-support/datastore';
import { captureIo } from './fixtures/io.ts';
import { runBin } from './fixtures/run-bin.ts';
import { signIn } from './fixtures/users.ts';

const BIN = 'src/bin/gaes-sessions.ts';
const db = await startDatastore(t);
const env = emulatorEnv(db);
const NOW = Date.UTC(2031, 4, 6, 12, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;
const ISO_NOW = '2031-05-06T12:00:00.000Z';

function runner(namespace: string) {
  return async (args: string[]) => {
    const captured = captureIo({ env, now: () => NOW });
    const code = await runSessionsCli([...args, '--namespace', namespace], captured.io);
    return { code, ...captured };
  };
}

/** Alice on a laptop (seen a minute ago) and a phone (seen an hour ago); an expired session of hers; Bob on one device. */
async function users(namespace: string) {
  const at = (lastSeenAtMs: number, expiresAtMs = NOW + DAY) => ({ createdAtMs: NOW - DAY, lastSeenAtMs, expiresAtMs });
  const phone = await signIn(db.datastore, namespace, 'alice', at(NOW - 60 * MINUTE), 'Phone/1.0');
  const laptop = await signIn(db.datastore, namespace, 'alice', at(NOW - MINUTE));
  const expired = await signIn(db.datastore, namespace, 'alice', at(NOW - 2 * DAY, NOW - DAY));
  const bob = await signIn(db.datastore, namespace, 'bob', at(NOW - MINUTE), 'Desk/2.0');
  return { phone, laptop, expired, bob };
}

const sessionIds = (records: UserSessionRecord[]) => records.map((r) => r.sessionId).sort();
const recordNames = (records: UserSessionRecord[]) => records.map((r) => `h:${r.handle}`).sort();

t.test('list --json: the live sessions, newest activity first, without session ids', async (t) => {
  const namespace = freshNamespace();
  const { phone, laptop, expired } = await users(namespace);
  const r = await runner(namespace)(['list', '--user', 'alice', '--json']);
  t.equal(r.code, 0, r.stderr());
  t.same(r.json(), {
    command: 'sessions',
    status: 'done',
    user: 'alice',
    namespace,
    action: 'list',
    sessions: [
      { handle: laptop.handle, createdAt: '2031-05-05T12:00:00.000Z', lastSeenAt: '2031-05-06T11:59:00.000Z', expiresAt: '2031-05-07T12:00:00.000Z', userAgent: null },
      { handle: phone.handle, createdAt: '2031-05-05T12:00:00.000Z', lastSeenAt: '2031-05-06T11:00:00.000Z', expiresAt: '2031-05-07T12:00:00.000Z', userAgent: 'Phone/1.0' },
    ],
    exitCode: 0,
    target: { project: db.projectId, database: null, emulator: db.host },
  });
  t.notMatch(r.stdout(), phone.sessionId, 'no session id is printed');
  t.notMatch(r.stdout(), expired.handle, 'an expired session is not listed');
});

t.test('list as text; an unknown user has no sessions (exit 0)', async (t) => {
  const namespace = freshNamespace();
  const { phone, laptop } = await users(namespace);
  const run = runner(namespace);
  const text = await run(['list', '--user', 'alice']);
  t.equal(text.code, 0);
  const lines = text.stdout().split('\n');
  t.equal(lines[0], '2 live sessions of user "alice", newest activity first:');
  t.match(lines[1], /^ {2}handle +signed in +last seen +expires +user agent$/);
  t.match(lines[2], new RegExp(`^ {2}${laptop.handle} +2031-05-05T12:00:00Z +2031-05-06T11:59:00Z +2031-05-07T12:00:00Z +–$`));
  t.match(lines[3], new RegExp(`^ {2}${phone.handle} .* Phone/1\\.0$`));
  const nobody = await run(['list', '--user', 'nobody']);
  t.equal(nobody.code, 0);
  t.equal(nobody.stdout(), 'No live sessions of user "nobody".\n');
  t.match((await run(['list', '--user', 'nobody', '--json'])).json(), { status: 'done', exitCode: 0, sessions: [] });
});

t.test('end --handle: revoked for every instance, then its Datastore entity and record deleted', async (t) => {
  const namespace = freshNamespace();
  const { phone, laptop, expired, bob } = await users(namespace);
  const run = runner(namespace);
  const r = await run(['end', '--user', 'alice', '--handle', phone.handle, '--json']);
  t.equal(r.code, 0, r.stderr());
  t.match(r.json(), { command: 'sessions', action: 'end', status: 'done', exitCode: 0, scope: 'handle', handle: phone.handle, ended: 1, revokedUntil: '2031-05-07T12:00:00.000Z', kind: 'GaesSession' });
  t.same((r.json().sessions as Array<{ handle: string }>).map((s) => s.handle), [phone.handle]);
  const revocation = await new DatastoreUserDirectory({ datastore: db.datastore, namespace }).revocation('alice');
  t.ok(revocation !== undefined && isRevokedBy(revocation, phone.handle, phone.createdAtMs), 'the revocation app instances poll');
  t.same(await storedIds(db.datastore, namespace), sessionIds([laptop, expired, bob]));
  t.same(await storedIds(db.datastore, namespace, USER_SESSION_KIND), recordNames([laptop, expired, bob]));
  const text = await run(['end', '--user', 'alice', '--handle', laptop.handle]);
  t.match(text.stdout(), new RegExp(`^Ended session ${laptop.handle} of user "alice": every app instance refuses it within its revocationPoll;`));
  t.match(text.stdout(), /Copies in the app's cache \(Redis, Memcached\) are not deleted/);
  t.match((await run(['list', '--user', 'alice', '--json'])).json(), { sessions: [] });
});

t.test('end --handle of another user, an unknown or an ended one: nothing ended, nothing written, exit 0', async (t) => {
  const namespace = freshNamespace();
  const { expired, bob } = await users(namespace);
  const run = runner(namespace);
  for (const handle of [bob.handle, newSessionHandle(), expired.handle]) {
    const r = await run(['end', '--user', 'alice', '--handle', handle, '--json']);
    t.equal(r.code, 0);
    t.match(r.json(), { status: 'done', exitCode: 0, scope: 'handle', handle, ended: 0, sessions: [], revokedUntil: null });
  }
  const text = await run(['end', '--user', 'alice', '--handle', bob.handle]);
  t.equal(text.code, 0);
  t.equal(text.stdout(), `No live session ${bob.handle} of user "alice": nothing ended.\n`);
  t.same(await storedIds(db.datastore, namespace, USER_KIND), [], 'no revocation written');
  t.equal((await storedIds(db.datastore, namespace)).length, 4, 'every session entity is still there');
  t.match((await run(['list', '--user', 'bob', '--json'])).json(), { sessions: [{ handle: bob.handle }] }, "bob's session lives on");
});

t.test('end --all: every session bound until now is revoked (notBefore = now), the listed ones deleted', async (t) => {
  const namespace = freshNamespace();
  const { phone, laptop, expired, bob } = await users(namespace);
  const run = runner(namespace);
  const r = await run(['end', '--user', 'alice', '--all', '--json']);
  t.equal(r.code, 0, r.stderr());
  t.match(r.json(), { action: 'end', scope: 'all', ended: 2, notBefore: ISO_NOW, revokedUntil: '2031-05-13T12:00:00.000Z', exitCode: 0 });
  t.same((r.json().sessions as Array<{ handle: string }>).map((s) => s.handle), [laptop.handle, phone.handle]);
  const revocation = await new DatastoreUserDirectory({ datastore: db.datastore, namespace }).revocation('alice');
  t.match(revocation, { notBeforeMs: NOW, exceptHandle: undefined });
  t.ok(revocation !== undefined && isRevokedBy(revocation, newSessionHandle(), NOW - 1), 'a session no record lists is ended too');
  t.same(await storedIds(db.datastore, namespace), sessionIds([expired, bob]), "the expired one is the sweeper's");
  t.same(await storedIds(db.datastore, namespace, USER_SESSION_KIND), recordNames([expired, bob]));

  const again = await run(['end', '--user', 'alice', '--all', '--lifetime', '30d']);
  t.equal(again.code, 0);
  t.match(again.stdout(), /^Ended 0 listed sessions of user "alice": every session signed in at or before 2031-05-06T12:00:00Z, listed or not, is refused .* \(revoked until 2031-06-05T12:00:00Z\);/);
});

t.test('usage errors: exit 2, one line (or one JSON object), before any RPC', async (t) => {
  const namespace = freshNamespace();
  const run = runner(namespace);
  const handle = newSessionHandle();
  const cases: Array<[string, string[], RegExp]> = [
    ['no command', [], /^gaes-sessions: name a command: list or end/],
    ['an unknown command', ['purge'], /^gaes-sessions: unknown command 'purge'/],
    ['list without --user', ['list'], /^gaes-sessions: required option '--user <id>' not specified/],
    ['end with neither --handle nor --all', ['end', '--user', 'alice'], /^gaes-sessions end: end takes exactly one of --handle <handle> and --all/],
    ['end with both', ['end', '--user', 'alice', '--all', '--handle', handle], /exactly one of --handle <handle> and --all/],
    ['a malformed handle', ['end', '--user', 'alice', '--handle', 'abc'], /^gaes-sessions end: --handle "abc" is not a session handle: 22 characters/],
    ['--lifetime with --handle', ['end', '--user', 'alice', '--handle', handle, '--lifetime', '7d'], /--lifetime goes with --all/],
    ['a bad --lifetime', ['end', '--user', 'alice', '--all', '--lifetime', 'long'], /--lifetime "long" is not a duration/],
    ['an empty user id', ['list', '--user', ''], /--user must be a user id of 1–255 UTF-8 bytes/],
    ['a user id over 255 bytes', ['list', '--user', 'é'.repeat(128)], /--user must be a user id of 1–255 UTF-8 bytes/],
    ['--handle on list', ['list', '--user', 'alice', '--handle', handle], /unknown option '--handle'/],
    ['a reserved kind', ['list', '--user', 'alice', '--kind', '__x__'], /--kind "__x__" is not valid/],
  ];
  const before = db.emulator?.rpcCounts();
  for (const [name, args, message] of cases) {
    const r = await run(args);
    t.equal(r.code, 2, name);
    t.match(r.stderr(), message, name);
    t.match(r.stderr(), /\(see gaes-sessions( list| end)? --help\)\n$/, name);
    t.equal(r.stderr().trim().split('\n').length, 1, `${name}: one line`);
    t.equal(r.stdout(), '', `${name}: nothing on stdout`);
  }
  const json = await run(['end', '--user', 'alice', '--handle', 'abc', '--json']);
  t.equal(json.code, 2);
  t.match(json.json(), { command: 'sessions', action: 'end', status: 'usage-error', exitCode: 2, error: { code: 'ERR_GAES_USAGE', message: /is not a session handle/ } });
  t.same(Object.keys(json.json()).sort(), ['action', 'command', 'error', 'exitCode', 'status']);
  if (before !== undefined) t.same(db.emulator?.rpcCounts(), before, 'no RPC');
});

t.test('Datastore failing: exit 1 with the error', { skip: db.emulator === undefined && NEEDS_IN_MEMORY_EMULATOR }, async (t) => {
  const namespace = freshNamespace();
  db.emulator?.injectFault({ method: 'RunQuery', code: 7, times: 1 });
  const r = await runner(namespace)(['list', '--user', 'alice', '--json']);
  t.equal(r.code, 1);
  t.match(r.json(), { command: 'sessions', action: 'list', status: 'error', exitCode: 1, error: { code: 'ERR_GAES_DATASTORE_UNREACHABLE' } });
  t.equal(r.stderr().trim().split('\n').length, 1);
});

t.test('gaes-sessions as a process: DATASTORE_EMULATOR_HOST honoured; no project is exit 2 before any RPC', async (t) => {
  const namespace = freshNamespace();
  const { bob } = await users(namespace);
  const list = await runBin(BIN, ['list', '--user', 'bob', '--namespace', namespace, '--json'], env);
  t.equal(list.code, 0, list.stderr);
  t.match(JSON.parse(list.stdout), { sessions: [{ handle: bob.handle, userAgent: 'Desk/2.0' }], target: { emulator: db.host } });
  const end = await runBin(BIN, ['end', '--all', '--user', 'bob', '--namespace', namespace], env);
  t.equal(end.code, 0, end.stderr);
  t.match(end.stdout, /^Ended 1 listed session of user "bob"/);
  const counts = db.emulator?.rpcCounts();
  const none = await runBin(BIN, ['list', '--user', 'bob'], {});
  t.equal(none.code, 2);
  t.match(none.stderr, /^gaes-sessions list: no Google Cloud project: pass --project <id>/);
  if (counts !== undefined) t.same(db.emulator?.rpcCounts(), counts, 'no RPC anywhere');
  const help = await runBin(BIN, ['--help'], {});
  t.equal(help.code, 0);
  t.match(help.stdout, /^Usage: gaes-sessions \[options\] \[command\]/);
  t.match(help.stdout, /cannot reach the app's cache \(Redis, Memcached\)/);
  t.match(help.stdout, /Exit codes:\n {2}0 {2}done/);
});
