import { readFile } from 'node:fs/promises';
import { USER_KIND, USER_SESSION_KIND } from '@gaes/core';
import Fastify, { type FastifyInstance } from 'fastify';
import t from 'tap';
import { gaesCron, type GaesCronOptions } from '../src/index.ts';
import { freshNamespace, NEEDS_IN_MEMORY_EMULATOR, seedSessions, startDatastore, storedIds } from '@gaes/test-support/datastore';
import { tickingClock } from './fixtures/io.ts';
import { putRecords, putRevocation, userRecord } from './fixtures/users.ts';

const db = await startDatastore(t);
const { datastore } = db;
const MASTER = 'cron-master-secret-0123456789abcdefghijklmnopqrs';
const TOKEN = 'cron-token-0123456789abcdefghijklmnopqrstuvwxyz';
const NOW = Date.UTC(2031, 4, 6, 12);
const DAY = 86_400_000;

async function cronApp(t: { teardown(fn: () => unknown): void }, options: Partial<GaesCronOptions>): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(gaesCron, { datastore, now: () => NOW, ...options });
  await app.ready();
  t.teardown(() => app.close());
  return app;
}

/** 1,200 expired and 300 live sessions in a fresh namespace. */
async function seeded(): Promise<{ namespace: string; live: string[] }> {
  const namespace = freshNamespace();
  const specs = Array.from({ length: 1500 }, (_, i) => ({ expiresAtMs: i < 1200 ? NOW - 1000 * (i + 1) : NOW + DAY, updatedAtMs: NOW - 1000 }));
  const ids = await seedSessions(datastore, namespace, specs);
  return { namespace, live: ids.slice(1200).sort() };
}

t.test('a request that is not a cron request gets 403 and changes nothing', async (t) => {
  const { namespace } = await seeded();
  const app = await cronApp(t, { appEngineCron: true, bearerToken: TOKEN, cleanup: { namespace }, rotateKeys: { namespace, masterSecret: MASTER } });
  const refused: Array<Record<string, string>> = [
    {},
    { 'x-appengine-cron': 'false' },
    { 'x-appengine-cron': 'TRUE ' },
    { authorization: 'Bearer wrong-token-0123456789abcdefghijklmnopqrstuvwxyz' },
    { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
    { authorization: `Basic ${TOKEN}` },
    { authorization: TOKEN },
  ];
  for (const headers of refused) {
    for (const url of ['/_gaes/cleanup', '/_gaes/rotate-keys']) {
      const res = await app.inject({ url, headers });
      t.equal(res.statusCode, 403, `${url} ${JSON.stringify(headers)}`);
    }
  }
  t.equal((await storedIds(datastore, namespace)).length, 1500, 'nothing deleted');
  const [ring] = await datastore.get(datastore.key({ namespace, path: ['GaesKeyRing', 'default'] }));
  t.equal(ring, undefined, 'no key ring created');
});

t.test('X-Appengine-Cron: true runs the cleanup and answers like --json', async (t) => {
  const { namespace, live } = await seeded();
  const app = await cronApp(t, { appEngineCron: true, cleanup: { namespace }, rotateKeys: false });
  const res = await app.inject({ url: '/_gaes/cleanup', headers: { 'x-appengine-cron': 'true' } });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { command: 'cleanup', status: 'done', exitCode: 0, deleted: 1200, scanned: 1200, dryRun: false, namespace });
  t.same(await storedIds(datastore, namespace), live);
  t.equal((await app.inject({ url: '/_gaes/rotate-keys', headers: { 'x-appengine-cron': 'true' } })).statusCode, 404, 'rotateKeys: false registers no rotate route');
});

t.test('off App Engine the header is not trusted unless appEngineCron is set; a bearer token works', async (t) => {
  const { namespace, live } = await seeded();
  const app = await cronApp(t, { bearerToken: ['another-token-0123456789abcdefghijklmnopqrstu', TOKEN], cleanup: { namespace }, rotateKeys: false });
  t.equal((await app.inject({ url: '/_gaes/cleanup', headers: { 'x-appengine-cron': 'true' } })).statusCode, 403);
  const res = await app.inject({ url: '/_gaes/cleanup', headers: { authorization: `Bearer ${TOKEN}` } });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { status: 'done', deleted: 1200 });
  t.same(await storedIds(datastore, namespace), live);
});

t.test('an authorize hook may accept a request (e.g. an OIDC token it verified)', async (t) => {
  const { namespace } = await seeded();
  const app = await cronApp(t, { cleanup: { namespace }, rotateKeys: false, authorize: (request) => request.headers['x-verified'] === 'yes' });
  t.equal((await app.inject({ url: '/_gaes/cleanup', headers: { 'x-verified': 'no' } })).statusCode, 403);
  t.equal((await storedIds(datastore, namespace)).length, 1500, 'nothing deleted');
  t.match((await app.inject({ url: '/_gaes/cleanup', headers: { 'x-verified': 'yes' } })).json(), { status: 'done', deleted: 1200 });
});

t.test('the prefix is configurable', async (t) => {
  const { namespace } = await seeded();
  const app = await cronApp(t, { prefix: '/internal/cron/', appEngineCron: true, cleanup: { namespace, batchSize: 100 }, rotateKeys: false });
  t.equal((await app.inject({ url: '/_gaes/cleanup', headers: { 'x-appengine-cron': 'true' } })).statusCode, 404);
  const res = await app.inject({ url: '/internal/cron/cleanup', headers: { 'x-appengine-cron': 'true' } });
  t.match(res.json(), { status: 'done', deleted: 1200 });
});

t.test('a run stops at its time budget and reports partial (exit code 3); the next run finishes', async (t) => {
  const { namespace, live } = await seeded();
  // Every read of the clock moves it a second, and each batch reads it once: a budget of five reads covers the
  // three batches of a run that finds nothing left (sessions, records, revocations).
  const app = await cronApp(t, { appEngineCron: true, timeBudget: '5s', now: tickingClock(1000, NOW), cleanup: { namespace, batchSize: 200 }, rotateKeys: false });
  const first = await app.inject({ url: '/_gaes/cleanup', headers: { 'x-appengine-cron': 'true' } });
  t.equal(first.statusCode, 200);
  t.match(first.json(), { status: 'partial', exitCode: 3, maxTimeMs: 5000 });
  t.ok(first.json().deleted > 0 && first.json().deleted < 1200);
  let runs = 1;
  for (; runs < 20; runs++) {
    const next = await app.inject({ url: '/_gaes/cleanup', headers: { 'x-appengine-cron': 'true' } });
    if (next.json().status === 'done') break;
  }
  t.ok(runs < 20, `finished after ${runs + 1} runs`);
  t.same(await storedIds(datastore, namespace), live);
});

t.test('the cleanup route also deletes expired user records and revocations, and answers with their counts', async (t) => {
  const { namespace, live } = await seeded();
  const records = [NOW - 1000, NOW - 2000, NOW + DAY].map((expiresAtMs, i) => userRecord(`user-${i}`, { createdAtMs: NOW - DAY, lastSeenAtMs: NOW - 5000, expiresAtMs }));
  await putRecords(datastore, namespace, records);
  await putRevocation(datastore, namespace, 'ended', NOW - 1000);
  await putRevocation(datastore, namespace, 'still-ending', NOW + DAY);
  const app = await cronApp(t, { appEngineCron: true, cleanup: { namespace }, rotateKeys: false });
  const res = await app.inject({ url: '/_gaes/cleanup', headers: { 'x-appengine-cron': 'true' } });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { status: 'done', exitCode: 0, deleted: 1200, records: { deleted: 2, scanned: 2 }, revocations: { deleted: 1, scanned: 1 } });
  t.same(await storedIds(datastore, namespace), live);
  t.same(await storedIds(datastore, namespace, USER_SESSION_KIND), [`h:${(records[2] as { handle: string }).handle}`]);
  t.same(await storedIds(datastore, namespace, USER_KIND), ['u:still-ending']);
});

t.test('rotate-keys: rotate + retire in one run, daily', async (t) => {
  const namespace = freshNamespace();
  let now = NOW;
  const app = await cronApp(t, { appEngineCron: true, now: () => now, cleanup: false, rotateKeys: { namespace, masterSecret: MASTER, lifetime: '2d' } });
  const call = async () => (await app.inject({ url: '/_gaes/rotate-keys', headers: { 'x-appengine-cron': 'true' } })).json();
  const first = await call();
  t.match(first, { command: 'rotate-keys', status: 'done', exitCode: 0, rotate: { outcome: 'created' }, retire: { outcome: 'nothing-to-retire' } });
  t.notMatch(JSON.stringify(first), /w\d\./, 'no key material');
  t.match(await call(), { rotate: { outcome: 'staged' } }, 'the next run stages a key');
  t.match(await call(), { rotate: { outcome: 'already-staged' } }, 'rerunning while a key is staged changes nothing');
  const firstId = first.rotate.stagedId as string;
  for (let day = 1; day <= 5; day++) {
    now = NOW + day * DAY;
    const r = await call();
    t.equal(r.rotate.outcome, 'staged', `day ${day}: a new key`);
    const ids = (r.retire.keys as Array<{ id: string }>).map((k) => k.id);
    t.ok(ids.length <= 4, `day ${day}: the ring stays small (${ids.length} keys)`);
    // The first key was superseded 5 minutes after the start; with a 2-day lifetime, no session can use it from day 3.
    t.equal(ids.includes(firstId), day < 3, `day ${day}: the first key is ${day < 3 ? 'kept' : 'gone'}`);
  }
});

t.test('a Datastore failure answers 503 with the error', { skip: db.emulator === undefined && NEEDS_IN_MEMORY_EMULATOR }, async (t) => {
  const { namespace } = await seeded();
  const app = await cronApp(t, { appEngineCron: true, cleanup: { namespace }, rotateKeys: false });
  db.emulator?.injectFault({ method: 'RunQuery', code: 14, times: 10 });
  const res = await app.inject({ url: '/_gaes/cleanup', headers: { 'x-appengine-cron': 'true' } });
  t.equal(res.statusCode, 503);
  t.match(res.json(), { command: 'cleanup', status: 'error', exitCode: 1, error: { code: 'ERR_GAES_STORE_UNAVAILABLE' } });
  db.emulator?.clearFaults();
});

t.test('configuration errors fail at ready()', async (t) => {
  const saved = process.env.GAES_MASTER_SECRET;
  delete process.env.GAES_MASTER_SECRET;
  t.teardown(() => {
    if (saved !== undefined) process.env.GAES_MASTER_SECRET = saved;
  });
  const bad: Array<[string, Partial<GaesCronOptions>]> = [
    ['no master secret for /rotate-keys', {}],
    ['a short bearer token', { rotateKeys: false, bearerToken: 'short' }],
    ['a batch size over 500', { rotateKeys: false, cleanup: { batchSize: 501 } }],
    ['a bad time budget', { rotateKeys: false, timeBudget: 'soon' }],
    ['no route at all', { rotateKeys: false, cleanup: false }],
    ['no datastore', { rotateKeys: false, datastore: undefined as never }],
  ];
  for (const [name, options] of bad) {
    const app = Fastify();
    void app.register(gaesCron, { datastore, ...options });
    await t.rejects(async () => app.ready(), { code: 'ERR_GAES_CONFIG' }, name);
    await app.close().catch(() => undefined);
  }
});

t.test("the demo's cron.yaml points at routes the plugin serves (the original's cron URL was a 404)", async (t) => {
  const cronYaml = await readFile(new URL('../../demo/cron.yaml', import.meta.url), 'utf8');
  const urls = [...cronYaml.matchAll(/^\s*url:\s*(\S+)\s*$/gm)].map((m) => m[1] as string);
  t.same(urls, ['/_gaes/cleanup', '/_gaes/rotate-keys']);
  const app = await cronApp(t, { appEngineCron: true, cleanup: { namespace: freshNamespace() }, rotateKeys: { namespace: freshNamespace(), masterSecret: MASTER } });
  for (const url of urls) {
    const res = await app.inject({ url, headers: { 'x-appengine-cron': 'true' } });
    t.equal(res.statusCode, 200, `${url} answers 200`);
    t.equal(res.json().status, 'done');
  }
});
