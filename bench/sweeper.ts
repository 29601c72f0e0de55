/**
 * The expired-session sweeper's rate: sessions deleted per second, against the in-memory Datastore
 * emulator (a real gRPC server on 127.0.0.1, driven by the real client), for 10,000 sessions.
 *
 *   node --conditions=@gaes/source bench/sweeper.ts
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `BENCH_SWEEPER_SESSIONS` | 10000 | sessions seeded before every measured sweep |
 * | `BENCH_SWEEPER_ROUNDS` | 3 | measured sweeps per row (the median is shown); each on freshly seeded sessions |
 *
 * What it measures is the sweeper's own cost (queries, paging, Commits, the client's encoding) plus the
 * emulator's; the real service adds network round trips (~5–20 ms each), so on Google Cloud expect the
 * rate to be bound by `RPCs × round-trip time` rather than by this number.
 */
import { createSessionId } from '@gaes/core';
import { deleteExpiredSessions } from '@gaes/datastore';
import { DatastoreEmulator } from '@gaes/datastore-emulator';
import { Datastore } from '@google-cloud/datastore';

process.env.METADATA_SERVER_DETECTION ??= 'none'; // the emulator needs no credentials: never probe a metadata server

const SESSIONS = Number(process.env.BENCH_SWEEPER_SESSIONS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_SWEEPER_ROUNDS ?? 3);
const NOW = Date.UTC(2031, 0, 1);
const DAY = 86_400_000;

interface Row {
  readonly pass: string;
  readonly batchSize: number;
  /** Seeds sessions that this row's sweep deletes. */
  readonly spec: (i: number) => { expiresAtMs: number; updatedAtMs: number };
  readonly olderThanMs?: number;
}

const rows: Row[] = [
  { pass: 'expired (keys-only `__key__ <` pages)', batchSize: 500, spec: (i) => ({ expiresAtMs: NOW - 1000 - i * 10, updatedAtMs: NOW - DAY }) },
  { pass: 'expired (keys-only `__key__ <` pages)', batchSize: 100, spec: (i) => ({ expiresAtMs: NOW - 1000 - i * 10, updatedAtMs: NOW - DAY }) },
  {
    pass: 'idle, `--older-than 7d` (entity scan)',
    batchSize: 500,
    spec: (i) => ({ expiresAtMs: NOW + DAY + i * 10, updatedAtMs: NOW - 8 * DAY }),
    olderThanMs: 7 * DAY,
  },
];

async function seed(datastore: Datastore, namespace: string, row: Row): Promise<void> {
  for (let i = 0; i < SESSIONS; i += 500) {
    const batch = Array.from({ length: Math.min(500, SESSIONS - i) }, (_, j) => {
      const s = row.spec(i + j);
      return {
        key: datastore.key({ namespace, path: ['GaesSession', createSessionId(s.expiresAtMs, false)] }),
        data: [
          { name: 'payload', value: Buffer.alloc(200, 1), excludeFromIndexes: true },
          { name: 'expiresAt', value: new Date(s.expiresAtMs) },
          { name: 'updatedAt', value: new Date(s.updatedAtMs), excludeFromIndexes: true },
        ],
      };
    });
    await datastore.save(batch);
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

const emulator = await DatastoreEmulator.start();
const datastore = new Datastore({ projectId: 'gaes-bench', apiEndpoint: emulator.host });
try {
  console.log(`## Sweeper: sessions deleted per second — Node ${process.version}, in-memory emulator, ${fmt(SESSIONS)} sessions\n`);
  console.log(`Median of ${ROUNDS} sweeps per row, each over freshly seeded sessions (all of which it deletes).\n`);
  console.log('| pass | batch size | deleted | RunQuery / Commit RPCs | seconds | deleted/s |');
  console.log('|---|---:|---:|---:|---:|---:|');
  let round = 0;
  for (const row of rows) {
    const seconds: number[] = [];
    let deleted = 0;
    let rpcs = '';
    for (let r = 0; r < ROUNDS; r++) {
      const namespace = `bench${round++}`;
      await seed(datastore, namespace, row);
      emulator.resetCounts();
      const start = process.hrtime.bigint();
      const result = await deleteExpiredSessions({
        datastore,
        namespace,
        now: NOW,
        batchSize: row.batchSize,
        olderThanMs: row.olderThanMs,
        deadline: Number.POSITIVE_INFINITY,
      });
      seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
      if (result.deleted !== SESSIONS || !result.done) throw new Error(`expected ${SESSIONS} deleted, got ${result.deleted}`);
      deleted = result.deleted;
      const counts = emulator.rpcCounts();
      rpcs = `${counts.RunQuery} / ${counts.Commit}`;
    }
    const s = median(seconds);
    console.log(`| ${row.pass} | ${row.batchSize} | ${fmt(deleted)} | ${rpcs} | ${s.toFixed(2)} | ${fmt(deleted / s)} |`);
  }
} finally {
  await emulator.stop();
}
