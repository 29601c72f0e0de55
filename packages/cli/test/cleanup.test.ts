import t from 'tap';
import { runCleanupCli } from '../src/cleanup-cli.ts';
import { emulatorEnv, freshNamespace, seedSessions, type SessionSpec, startDatastore, storedIds } from '@gaes/test-support/datastore';
import { captureIo, tickingClock } from './fixtures/io.ts';

const db = await startDatastore(t);
const NOW = Date.UTC(2031, 4, 6, 12, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * 10,000 sessions in four equal groups, with the edges of each rule among them:
 * expired (some exactly at NOW), expired and idle, live but idle for over 7 days, live and recently written
 * (some written exactly 7 days ago: not "longer ago than" 7 days, so kept).
 */
function specs(): Array<SessionSpec & { group: 'expired' | 'expiredIdle' | 'idle' | 'live' }> {
  return Array.from({ length: 10_000 }, (_, i) => {
    const n = Math.floor(i / 4);
    switch (i % 4) {
      case 0:
        return { group: 'expired', expiresAtMs: NOW - (n % 50) * MINUTE, updatedAtMs: NOW - MINUTE };
      case 1:
        return { group: 'expiredIdle', expiresAtMs: NOW - DAY - n * 1000, updatedAtMs: NOW - 30 * DAY };
      case 2:
        return { group: 'idle', expiresAtMs: NOW + DAY + n * 1000, updatedAtMs: NOW - 7 * DAY - 1 - n };
      default:
        return { group: 'live', expiresAtMs: NOW + 1000 + n * 1000, updatedAtMs: n % 10 === 0 ? NOW - 7 * DAY : NOW - MINUTE };
    }
  }) as Array<SessionSpec & { group: 'expired' | 'expiredIdle' | 'idle' | 'live' }>;
}

const namespace = freshNamespace();
const all = specs();
const ids = await seedSessions(db.datastore, namespace, all);
const idsOf = (...groups: string[]): string[] => ids.filter((_, i) => groups.includes((all[i] as { group: string }).group)).sort();
const expiredCount = idsOf('expired', 'expiredIdle').length;
const env = emulatorEnv(db);

async function run(args: string[], clock?: () => number, tty = false) {
  const captured = captureIo({ env, now: () => NOW, tty, ...(clock === undefined ? {} : { clock }) });
  const code = await runCleanupCli(['--namespace', namespace, ...args], captured.io);
  return { code, ...captured };
}

t.test('10,000 sessions with mixed expiries', async (t) => {
  t.equal(ids.length, 10_000);
  t.equal(expiredCount, 5000);

  t.test('--dry-run counts the expired sessions and deletes nothing', async (t) => {
    const r = await run(['--dry-run', '--json']);
    t.equal(r.code, 0);
    t.match(r.json(), { command: 'cleanup', status: 'done', exitCode: 0, dryRun: true, deleted: expiredCount, scanned: expiredCount });
    t.equal((await storedIds(db.datastore, namespace)).length, 10_000, 'nothing deleted');
  });

  t.test('--dry-run --older-than 7d also counts the idle ones, and deletes nothing', async (t) => {
    const r = await run(['--dry-run', '--older-than', '7d', '--json']);
    t.equal(r.code, 0);
    t.match(r.json(), { status: 'done', dryRun: true, deleted: expiredCount + 2500, olderThanMs: 7 * DAY });
    t.equal((await storedIds(db.datastore, namespace)).length, 10_000, 'nothing deleted');
  });

  t.test('--max-time stops with exit 3 and work left; a rerun finishes', async (t) => {
    // Every read of the clock moves it a second: the sweep stops after a few batches, whatever the machine.
    const partial = await run(['--max-time', '3s', '--json'], tickingClock(1000));
    t.equal(partial.code, 3, 'exit 3: stopped with work left');
    const first = partial.json();
    t.match(first, { status: 'partial', exitCode: 3, maxTimeMs: 3000 });
    t.ok((first.deleted as number) > 0 && (first.deleted as number) < expiredCount, `deleted some (${String(first.deleted)}), not all`);
    t.equal((await storedIds(db.datastore, namespace)).length, 10_000 - (first.deleted as number));

    const rest = await run([], tickingClock(1), true);
    t.equal(rest.code, 0, 'the rerun finishes');
    t.match(rest.stdout(), new RegExp(`^Deleted ${(expiredCount - (first.deleted as number)).toLocaleString('en-US')} expired sessions — GaesSession in namespace ${namespace}; scanned`));
    t.match(rest.stderr(), /scanned [\d,]+ · deleted [\d,]+ · [\d,]+\/s/, 'progress on a TTY');
    t.same(await storedIds(db.datastore, namespace), idsOf('idle', 'live'), 'exactly the expired sessions are gone');
  });

  t.test('--older-than 7d deletes exactly the idle ones, resumable with --resume-after', async (t) => {
    const partial = await run(['--older-than', '7d', '--max-time', '5s', '--json'], tickingClock(1000));
    t.equal(partial.code, 3);
    const first = partial.json();
    t.type(first.resumeAfter, 'string', 'a stopped idle scan says where to resume');
    const resumed = await run(['--older-than', '7d', '--resume-after', first.resumeAfter as string, '--json']);
    t.equal(resumed.code, 0);
    t.equal((first.deleted as number) + (resumed.json().deleted as number), 2500);
    t.same(await storedIds(db.datastore, namespace), idsOf('live'), 'exactly the live, recently written sessions remain');
    const again = await run(['--older-than', '7d', '--json']);
    t.match(again.json(), { status: 'done', deleted: 0 }, 'a further run has nothing to do');
  });
});

t.test('text output without a TTY: the summary only', async (t) => {
  const r = await run(['--dry-run']);
  t.equal(r.code, 0);
  t.equal(r.stderr(), '', 'no progress line when stderr is not a terminal');
  t.match(r.stdout(), /^Would delete 0 expired sessions \(dry run: nothing deleted\)/);
});

t.test('--resume-after needs --older-than', async (t) => {
  const r = await run(['--resume-after', 'x']);
  t.equal(r.code, 2);
  t.match(r.stderr(), /--resume-after continues an --older-than scan: add --older-than/);
});
