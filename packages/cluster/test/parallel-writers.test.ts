import t, { type Test } from 'tap';
import { writerValue } from '../src/app.ts';
import { startEmulatorProcess, type ClientResponse, type ClusterClient, type StateBody } from '../src/index.ts';
import { commentLogs, redisForFile, startPair, type Pair } from './helpers/pair.ts';

// One browser's cookie, then many requests at once spread over two real processes (alternating), each
// changing the same server-side session: durable `set`s must all be kept (conditional Datastore writes replay
// each request's changes onto the newer copy); quick writes (`setQuick`, the cache alone) may lose keys across
// processes, so for them only a consistent state is asserted and the number kept is reported; writers of ONE
// key leave one writer's whole value. The processes start once per set-up; one emulator and one Redis serve
// the whole file.
const WRITERS = 60;
const SAME_KEY_WRITERS = 40;

const emulator = await startEmulatorProcess();
t.teardown(() => emulator.stop());
const redisUrl = await redisForFile(t);

function valueOf(i: number): string {
  return `value of writer ${i}`;
}

async function state(browser: ClusterClient, instance: number): Promise<StateBody> {
  const res = await browser.get<StateBody>(instance, '/state');
  if (res.status !== 200) throw new Error(`GET /state on #${instance} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * A browser with a server-side session holding `base`, read once on each process (one request at a time, so
 * each process's Redis client has connected before the burst: `@keyv/redis` with `disableOfflineQueue` fails
 * commands sent while its first connection is being made), whose cookie every parallel request then carries.
 */
async function browserWithSession(t: Test, pair: Pair): Promise<ClusterClient> {
  const browser = pair.browser();
  const first = await browser.post(0, '/set?k=base&v=durable');
  t.equal(first.status, 200, 'the session starts (a durable write)');
  t.equal(browser.jar.size, 1, 'with one cookie');
  for (const instance of [0, 1]) t.same((await state(browser, instance)).values, { base: 'durable' }, `#${instance} reads it`);
  return browser;
}

/** Sends `paths[i]` to instance `i % 2`, all at once: each request carries the jar's cookie as it is now. */
async function atOnce(t: Test, browser: ClusterClient, paths: readonly string[]): Promise<ClientResponse[]> {
  const cookie = browser.jar.header();
  const answers = await Promise.all(paths.map((path, i) => browser.post(i % 2, path)));
  t.ok(answers.every((res) => res.status === 200), `all ${paths.length} parallel writes answer 200 (${answers.filter((r) => r.status !== 200).map((r) => `${r.status} ${JSON.stringify(r.body)}`).slice(0, 3).join('; ') || 'none failed'})`);
  t.not(browser.jar.header(), cookie, 'the answers set new cookies (the browser keeps the last one it got)');
  return answers;
}

/** 1a. WRITERS parallel `set`s of distinct keys: every key is there afterwards, read on both processes. */
async function parallelDurableWrites(t: Test, pair: Pair): Promise<void> {
  const browser = await browserWithSession(t, pair);
  await atOnce(t, browser, Array.from({ length: WRITERS }, (_, i) => `/set?k=k${i}&v=${encodeURIComponent(valueOf(i))}`));
  const expected: Record<string, unknown> = { base: 'durable' };
  for (let i = 0; i < WRITERS; i++) expected[`k${i}`] = valueOf(i);
  for (const instance of [0, 1]) {
    const read = await state(browser, instance);
    const missing = Object.keys(expected).filter((k) => !(k in read.values));
    t.same(missing, [], `no key is missing on #${instance}`);
    t.same(read.values, expected, `#${instance} reads every writer's value`);
  }
}

/**
 * 1b. WRITERS parallel `setQuick`s of distinct keys. Quick writes go to the cache alone (read, replay, write,
 * with no conditional write across processes), so two processes replaying onto the same cached copy at the
 * same moment can each drop the other's key. What is asserted: both processes read the same state, the
 * durable `base` is there, and every key present holds exactly its writer's value. How many were kept is
 * reported.
 */
async function parallelQuickWrites(t: Test, pair: Pair): Promise<void> {
  const browser = await browserWithSession(t, pair);
  await atOnce(t, browser, Array.from({ length: WRITERS }, (_, i) => `/set-quick?k=k${i}&v=${encodeURIComponent(valueOf(i))}`));
  const [first, second] = [await state(browser, 0), await state(browser, 1)];
  t.same(second.values, first.values, 'both processes read the same state');
  t.equal(first.values['base'], 'durable', 'the durable key is there');
  const wrong = Object.entries(first.values).filter(([k, v]) => k !== 'base' && !(/^k\d+$/.test(k) && v === valueOf(Number(k.slice(1)))));
  t.same(wrong, [], 'every key present holds exactly its own writer\'s value');
  const kept = Object.keys(first.values).filter((k) => k !== 'base').length;
  t.comment(`setQuick across two processes: ${kept} of ${WRITERS} keys kept${pair.redisUrl === undefined ? ' (no shared cache: quick writes go to Datastore)' : ''}`);
  if (pair.redisUrl === undefined) t.equal(kept, WRITERS, 'without a shared cache quick writes are durable: every key kept');
}

/**
 * 1c. SAME_KEY_WRITERS parallel writes of ONE key (durable, then quick), each a value carrying its writer's id
 * in several fields plus a second key `<k>.by`: the final value is one writer's whole value, on both
 * processes, and `<k>.by` names the same writer (a request's changes are replayed together).
 */
async function sameKey(t: Test, pair: Pair, quick: boolean): Promise<void> {
  const browser = await browserWithSession(t, pair);
  await atOnce(t, browser, Array.from({ length: SAME_KEY_WRITERS }, (_, i) => `/set-writer?k=same&w=w${i}${quick ? '&quick=1' : ''}`));
  const reads = [await state(browser, 0), await state(browser, 1)];
  const [first] = reads as [StateBody, StateBody];
  const by = first.values['same.by'];
  t.ok(typeof by === 'string' && /^w\d+$/.test(by) && Number(by.slice(1)) < SAME_KEY_WRITERS, `one of the writers won (${String(by)})`);
  for (const [instance, read] of reads.entries()) {
    t.same(read.values['same'], writerValue(String(by)), `#${instance}: the value is that writer's whole value, never a mix`);
    t.equal(read.values['same.by'], by, `#${instance}: the second key names the same writer`);
    t.equal(read.values['base'], 'durable', `#${instance}: the durable key is still there`);
  }
}

async function writersSuite(t: Test, pair: Pair): Promise<void> {
  await t.test(`1a. ${WRITERS} parallel set() of distinct keys over two processes: every key kept`, (t) => parallelDurableWrites(t, pair));
  await t.test(`1b. ${WRITERS} parallel setQuick() of distinct keys over two processes: a consistent state`, (t) => parallelQuickWrites(t, pair));
  await t.test(`1c. ${SAME_KEY_WRITERS} parallel set() of one key: one writer's whole value`, (t) => sameKey(t, pair, false));
  await t.test(`1c. ${SAME_KEY_WRITERS} parallel setQuick() of one key: one writer's whole value`, (t) => sameKey(t, pair, true));
  commentLogs(t, pair);
}

/**
 * Patient time limits: a burst of 60 requests of one session makes each process send tens of Datastore
 * lookups at once, and on a shared, loaded 2-core machine the emulator process can take seconds to answer
 * them; with the default limits (1.5 s a Datastore attempt, a circuit opened by three calls pending 1 s, or
 * three cache calls pending 250 ms) that slowness turns into 503s or skipped caches. These tests are about
 * merging parallel writes, not about failure handling (tested elsewhere), so slowness must not count as an
 * outage here.
 */
const PATIENT = {
  cacheTimeout: '5s',
  datastoreRetry: { attemptTimeoutMs: 10_000, totalTimeoutMs: 20_000 },
  circuitBreaker: { slowCacheCall: '2500ms', slowDatastoreCall: '10s' },
};

const setups: ReadonlyArray<{ readonly title: string; readonly redis: boolean }> = [
  { title: 'server-side sessions, one shared Redis + Datastore', redis: true },
  { title: 'server-side sessions, the default per-process cache + Datastore', redis: false },
];

// One set-up at a time: each sends bursts of 60 requests, and two at once would only add to the load.
for (const { title, redis } of setups) {
  const skip = redis && redisUrl === undefined ? 'no redis (see above)' : false;
  t.test(title, { buffered: true, skip }, async (t) => {
    const pair = await startPair(t, { emulator, redisUrl: redis ? redisUrl : undefined, options: { cookieOnlyThreshold: 0, ...PATIENT } });
    await writersSuite(t, pair);
  });
}
