import { ConfigError, createSessionId, StoreRejectedError } from '@gaes/core';
import type { Datastore } from '@google-cloud/datastore';
import t from 'tap';
import { deleteExpiredSessions, type SweepProgress } from '../src/index.ts';
import { freshNamespace, keyNames, NEEDS_IN_MEMORY_EMULATOR, rejection, startDatastore } from '@gaes/test-support/datastore';

const { datastore, emulator } = await startDatastore(t);
const withEmulator = { skip: emulator === undefined && NEEDS_IN_MEMORY_EMULATOR };
const KIND = 'GaesSession';
const NOW = Date.UTC(2031, 4, 6, 12, 0, 0); // a whole second
const MINUTE = 60_000;
const noSleep = { sleep: async () => {} };

interface Spec {
  readonly expiresAtMs: number;
  /** `null` leaves `updatedAt` out. @default NOW - MINUTE */
  readonly updatedAtMs?: number | null;
}

/** Writes session entities straight through the client (500 per Commit); returns their ids. */
async function seed(ds: Datastore, namespace: string, specs: readonly Spec[], kind = KIND): Promise<string[]> {
  const ids = specs.map((s) => createSessionId(s.expiresAtMs, false));
  for (let i = 0; i < specs.length; i += 500) {
    await ds.save(
      specs.slice(i, i + 500).map((s, j) => ({
        key: ds.key({ namespace, path: [kind, ids[i + j] as string] }),
        data: [
          { name: 'payload', value: Buffer.alloc(64, 1), excludeFromIndexes: true },
          { name: 'expiresAt', value: new Date(s.expiresAtMs) },
          ...(s.updatedAtMs === null ? [] : [{ name: 'updatedAt', value: new Date(s.updatedAtMs ?? NOW - MINUTE), excludeFromIndexes: true }]),
        ],
      })),
    );
  }
  return ids;
}

/** 3,000 sessions expiring from 2 minutes before to 2 minutes after NOW: 1,800 expired (at or before NOW). */
function mixedSpecs(): Spec[] {
  return Array.from({ length: 3000 }, (_, i) => ({ expiresAtMs: NOW + ((i % 5) - 2) * MINUTE }));
}

async function seedMixed(namespace: string): Promise<{ expired: string[]; live: string[] }> {
  const specs = mixedSpecs();
  const ids = await seed(datastore, namespace, specs);
  return {
    expired: ids.filter((_, i) => (specs[i] as Spec).expiresAtMs <= NOW).sort(),
    live: ids.filter((_, i) => (specs[i] as Spec).expiresAtMs > NOW).sort(),
  };
}

const forever = Number.POSITIVE_INFINITY;

t.test('deletes exactly the expired sessions among 3,000, in batches of at most 500', async (t) => {
  const namespace = freshNamespace();
  const { expired, live } = await seedMixed(namespace);
  t.equal(expired.length, 1800);
  const progress: SweepProgress[] = [];
  emulator?.resetCounts();
  const result = await deleteExpiredSessions({ datastore, namespace, now: NOW, deadline: forever, onProgress: (p) => progress.push(p) });
  const counts = emulator?.rpcCounts();
  t.same(result, { deleted: 1800, scanned: 1800, done: true });
  t.same(await keyNames(datastore, KIND, namespace), live, 'exactly the unexpired sessions remain');
  const steps = progress.map((p, i) => p.deleted - (progress[i - 1]?.deleted ?? 0));
  t.same(steps, [500, 500, 500, 300], 'batches of at most 500');
  t.same(progress.at(-1), result);
  if (counts !== undefined) {
    // The emulator, like the service, returns at most 300 results per batch; the client asks for the rest.
    t.match(counts, { Commit: 4, RunQuery: 7, Lookup: 0 }, 'keys-only pages of 500 (2 + 2 + 2 + 1 batches), one Commit each');
  }
});

t.test('the bound: a session expiring at `now` is expired, one a second later is not', async (t) => {
  const namespace = freshNamespace();
  const [atNow, later] = await seed(datastore, namespace, [{ expiresAtMs: NOW }, { expiresAtMs: NOW + 1000 }]);
  const result = await deleteExpiredSessions({ datastore, namespace, now: NOW + 999, deadline: forever });
  t.same(result, { deleted: 1, scanned: 1, done: true });
  t.same(await keyNames(datastore, KIND, namespace), [later]);
  t.not(atNow, later);
});

t.test('other kinds and namespaces are untouched; kind is an option', async (t) => {
  const namespace = freshNamespace();
  const other = freshNamespace();
  const [mine] = await seed(datastore, namespace, [{ expiresAtMs: NOW - MINUTE }], 'Custom');
  const [otherKind] = await seed(datastore, namespace, [{ expiresAtMs: NOW - MINUTE }]);
  const [otherNs] = await seed(datastore, other, [{ expiresAtMs: NOW - MINUTE }], 'Custom');
  const result = await deleteExpiredSessions({ datastore, namespace, kind: 'Custom', now: NOW, deadline: forever });
  t.same(result, { deleted: 1, scanned: 1, done: true });
  t.same(await keyNames(datastore, 'Custom', namespace), []);
  t.not(mine, undefined);
  t.same(await keyNames(datastore, KIND, namespace), [otherKind]);
  t.same(await keyNames(datastore, 'Custom', other), [otherNs]);
});

t.test('stops at a numeric deadline and a rerun continues', async (t) => {
  const namespace = freshNamespace();
  const { live } = await seedMixed(namespace);
  let tick = 0;
  const clock = () => tick++; // 0, 1, 2, …: the deadline passes before the third query
  const first = await deleteExpiredSessions({ datastore, namespace, now: NOW, deadline: 2, clock });
  t.same(first, { deleted: 1000, scanned: 1000, done: false });
  t.equal((await keyNames(datastore, KIND, namespace)).length, 2000);
  const second = await deleteExpiredSessions({ datastore, namespace, now: NOW, deadline: forever });
  t.same(second, { deleted: 800, scanned: 800, done: true });
  t.same(await keyNames(datastore, KIND, namespace), live);
});

t.test('stops when an AbortSignal fires', async (t) => {
  const namespace = freshNamespace();
  await seedMixed(namespace);
  const controller = new AbortController();
  const result = await deleteExpiredSessions({
    datastore,
    namespace,
    now: NOW,
    batchSize: 300,
    deadline: controller.signal,
    onProgress: () => controller.abort(),
  });
  t.same(result, { deleted: 300, scanned: 300, done: false });
  const already = new AbortController();
  already.abort();
  t.same(await deleteExpiredSessions({ datastore, namespace, now: NOW, deadline: already.signal }), { deleted: 0, scanned: 0, done: false });
});

t.test('smaller batches: one Commit per batch', async (t) => {
  const namespace = freshNamespace();
  const { live } = await seedMixed(namespace);
  emulator?.resetCounts();
  const result = await deleteExpiredSessions({ datastore, namespace, now: NOW, batchSize: 200, deadline: forever });
  const counts = emulator?.rpcCounts();
  t.same(result, { deleted: 1800, scanned: 1800, done: true });
  t.same(await keyNames(datastore, KIND, namespace), live);
  if (counts !== undefined) t.match(counts, { Commit: 9, RunQuery: 10 }, 'nine full pages, then an empty one');
});

t.test('dryRun counts and deletes nothing, paging past the first batch', async (t) => {
  const namespace = freshNamespace();
  await seedMixed(namespace);
  emulator?.resetCounts();
  const result = await deleteExpiredSessions({ datastore, namespace, now: NOW, dryRun: true, deadline: forever });
  t.same(result, { deleted: 1800, scanned: 1800, done: true });
  t.equal((await keyNames(datastore, KIND, namespace)).length, 3000);
  if (emulator !== undefined) t.equal(emulator.rpcCounts().Commit, 0);
});

t.test('olderThanMs also deletes unexpired sessions not written recently', async (t) => {
  const namespace = freshNamespace();
  const day = 24 * 60 * MINUTE;
  const ids = await seed(datastore, namespace, [
    { expiresAtMs: NOW - MINUTE, updatedAtMs: NOW - 10 * day }, // expired
    { expiresAtMs: NOW + day, updatedAtMs: NOW - 3 * day }, // stale
    { expiresAtMs: NOW + 2 * day, updatedAtMs: NOW - 2 * day - 1 }, // stale, just
    { expiresAtMs: NOW + 3 * day, updatedAtMs: NOW - 2 * day }, // exactly at the cutoff: kept
    { expiresAtMs: NOW + 4 * day, updatedAtMs: NOW - MINUTE }, // recent
    { expiresAtMs: NOW + 5 * day, updatedAtMs: null }, // no updatedAt: kept
  ]);
  const dry = await deleteExpiredSessions({ datastore, namespace, now: NOW, olderThanMs: 2 * day, dryRun: true, deadline: forever });
  t.same(dry, { deleted: 3, scanned: 6, done: true });
  t.equal((await keyNames(datastore, KIND, namespace)).length, 6, 'dry run deleted nothing');
  const result = await deleteExpiredSessions({ datastore, namespace, now: NOW, olderThanMs: 2 * day, deadline: forever });
  t.same(result, { deleted: 3, scanned: 6, done: true }, 'the expired one by key range, then a scan of the 5 others');
  t.same(await keyNames(datastore, KIND, namespace), [ids[3], ids[4], ids[5]].sort());
});

t.test('the olderThanMs scan stops at the deadline and resumes after `resumeAfter`', async (t) => {
  const namespace = freshNamespace();
  const specs: Spec[] = Array.from({ length: 40 }, (_, i) => ({
    expiresAtMs: NOW + (i + 1) * MINUTE,
    updatedAtMs: i % 2 === 0 ? NOW - 100 * MINUTE : NOW,
  }));
  const ids = await seed(datastore, namespace, specs);
  const fresh = ids.filter((_, i) => i % 2 === 1).sort();
  let tick = 0;
  const clock = () => tick++; // pass 1 uses tick 0; pages of the scan use ticks 1 and 2
  const options = { datastore, namespace, now: NOW, olderThanMs: 10 * MINUTE, scanPageSize: 8, batchSize: 3 } as const;
  const first = await deleteExpiredSessions({ ...options, deadline: 3, clock });
  t.match(first, { deleted: 8, scanned: 16, done: false });
  t.equal(first.resumeAfter, [...ids].sort()[15], 'the last key scanned');
  const second = await deleteExpiredSessions({ ...options, deadline: forever, resumeAfter: first.resumeAfter });
  t.same(second, { deleted: 12, scanned: 24, done: true }, 'only the rest is scanned');
  t.same(await keyNames(datastore, KIND, namespace), fresh);
});

t.test('a transient failure mid-sweep is retried', withEmulator, async (t) => {
  const em = emulator!;
  const namespace = freshNamespace();
  await seedMixed(namespace);
  em.resetCounts();
  em.injectFault({ method: 'RunQuery', code: 14 });
  em.injectFault({ method: 'Commit', code: 10 });
  const result = await deleteExpiredSessions({ datastore, namespace, now: NOW, deadline: forever, retry: noSleep });
  t.same(result, { deleted: 1800, scanned: 1800, done: true });
  t.match(em.rpcCounts(), { RunQuery: 8, Commit: 5 }, 'one extra query, one extra Commit');
});

t.test('a permanent failure throws a typed error after reporting progress', withEmulator, async (t) => {
  const em = emulator!;
  const namespace = freshNamespace();
  await seedMixed(namespace);
  let reported: SweepProgress | undefined;
  const sweep = deleteExpiredSessions({ datastore, namespace, now: NOW, deadline: forever, onProgress: (p) => (reported = p) });
  em.injectFault({ method: 'Commit', code: 7 }); // the first Commit happens after the first query
  const err = await rejection(sweep);
  t.type(err, StoreRejectedError);
  t.match(err, { code: 'ERR_GAES_STORE_REJECTED', cause: { code: 7 } });
  t.equal(reported, undefined, 'nothing was deleted');
});

t.test('invalid options are ConfigErrors', async (t) => {
  const base = { datastore, now: NOW, deadline: forever };
  for (const bad of [
    { batchSize: 0 },
    { batchSize: 501 },
    { batchSize: 2.5 },
    { scanPageSize: 0 },
    { olderThanMs: -1 },
    { now: Number.NaN },
    { deadline: Number.NaN },
    { deadline: 'soon' as never },
    { kind: '' },
  ]) {
    await t.rejects(deleteExpiredSessions({ ...base, ...bad }), ConfigError, JSON.stringify(bad));
  }
});
