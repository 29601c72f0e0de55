/**
 * Fault benchmark: `pnpm bench:faults`. Not a test: it prints figures. Three app processes (@gaes/cluster)
 * share one Redis and one Datastore emulator process; 20 browsers (own cookie jars, one request after another,
 * two reads `GET /state` per increment `GET /inc`, each request on the next instance) use server-side sessions
 * (cookieOnlyThreshold 0), and 5 more use cookie-tier sessions (`/cookie/…`, a second registration of the
 * plugin in the same processes). Scenarios: healthy Redis; Redis unreachable from the start (every session
 * read falls through to Datastore); Redis SIGKILLed then restarted; Redis SIGSTOPped then continued; the
 * Datastore emulator SIGSTOPped. Each prints a per-second timeline and a summary; after each, every browser's
 * counter is read on every instance and compared with its answered increments (lost updates).
 *
 *   BENCH_CLIENTS=20 BENCH_INSTANCES=3 BENCH_TIMEOUT_MS=15000 BENCH_FAULTS_OPTIONS='{"cacheTimeout":"500ms"}' pnpm bench:faults
 *
 * BENCH_FAULTS_OPTIONS adds plugin options (JSON) to every app. Requests are aborted after BENCH_TIMEOUT_MS and
 * counted as timeouts. Every process started here is stopped by pid, also on errors and Ctrl-C.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startRedis, type TestServer } from '@gaes/test-servers';
import {
  bySecond,
  ClusterClient,
  runLoad,
  startCluster,
  startEmulatorProcess,
  summarize,
  type Cluster,
  type ClusterAppConfig,
  type ClusterStats,
  type EmulatorProcess,
  type IncrementTally,
  type Sample,
  type Summary,
} from '../packages/cluster/src/index.ts';

const SERVER_CLIENTS = Number(process.env['BENCH_CLIENTS'] ?? 20);
const COOKIE_CLIENTS = 5;
const INSTANCES = Number(process.env['BENCH_INSTANCES'] ?? 3);
const TIMEOUT_MS = Number(process.env['BENCH_TIMEOUT_MS'] ?? 15_000);
const EXTRA_OPTIONS = JSON.parse(process.env['BENCH_FAULTS_OPTIONS'] ?? '{}') as Record<string, unknown>;
const POLL_MS = 250;

/** A fault at a time of the run, and what it brings back (to time the return of cache hits or Datastore writes). */
interface FaultEvent {
  readonly atMs: number;
  readonly label: string;
  readonly back?: 'cache' | 'datastore';
  run(): Promise<void> | void;
}

interface Scenario {
  readonly title: string;
  readonly cluster: Cluster;
  readonly durationMs: number;
  readonly events: readonly FaultEvent[];
  /** The outage: `[from, to)` in ms, for the "added p99" figure. */
  readonly outage?: readonly [number, number];
  /** Report the time to answer of increments started in the outage (they need Datastore). */
  readonly datastoreOutage?: boolean;
}

interface StatPoint {
  readonly tMs: number;
  readonly hits: number;
  readonly gets: number;
  readonly cacheErrors: number;
  readonly lookups: number;
  readonly commits: number;
}

const cleanups: Array<() => Promise<unknown>> = [];
/** Warning and error lines the apps logged, by message and error code. */
const warnings = new Map<string, number>();

function countWarning(line: string): void {
  if (!/"level":(40|50|60)/.test(line)) return;
  let key = 'unparsed log line';
  try {
    const parsed = JSON.parse(line) as { msg?: string; err?: { code?: string; message?: string } };
    const detail = parsed.msg === 'request failed' && parsed.err?.message !== undefined ? `: ${parsed.err.message}` : '';
    key = `${parsed.msg ?? '?'}${parsed.err?.code === undefined ? '' : ` (${parsed.err.code}${detail})`}`;
  } catch {
    // keep the generic key
  }
  warnings.set(key, (warnings.get(key) ?? 0) + 1);
}

/** What was logged since `before` (a copy of {@link warnings}). */
function warningsSince(before: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, n] of warnings) if (n > (before.get(key) ?? 0)) out.set(key, n - (before.get(key) ?? 0));
  return out;
}

async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch((err: unknown) => console.error(`cleanup: ${String(err)}`));
}

function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(value < 10 ? 1 : 0) : '–';
}

function pad(cells: readonly (string | number)[], widths: readonly number[]): string {
  return cells.map((c, i) => String(c).padStart(widths[i] ?? 8)).join(' |');
}

/** Sums every instance's `/_cluster/stats`; `undefined` when one does not answer in time. */
async function pollStats(client: ClusterClient, originMs: number): Promise<StatPoint | undefined> {
  try {
    const all = await Promise.all(client.urls.map((_, i) => client.get<ClusterStats>(i, '/_cluster/stats', { timeoutMs: 1000 })));
    const sum = (f: (s: ClusterStats) => number): number => all.reduce((n, r) => n + f(r.body), 0);
    return {
      tMs: performance.now() - originMs,
      hits: sum((s) => s.cache.hits),
      gets: sum((s) => s.cache.gets),
      cacheErrors: sum((s) => s.cache.errors),
      lookups: sum((s) => s.datastore.lookups),
      commits: sum((s) => s.datastore.commits),
    };
  } catch {
    return undefined;
  }
}

/** The stat point last taken at or before `tMs`. */
function statAt(points: readonly StatPoint[], tMs: number): StatPoint | undefined {
  let found: StatPoint | undefined;
  for (const p of points) if (p.tMs <= tMs) found = p;
  return found;
}

interface Result {
  readonly title: string;
  readonly server: Summary;
  readonly cookie: Summary;
  readonly samples: readonly Sample[];
  readonly points: readonly StatPoint[];
  readonly events: readonly FaultEvent[];
  readonly lost: string[];
  readonly phantom: string[];
  readonly unknown: number;
  /** Answered increments whose counter was not above the browser's previous answered one. */
  readonly nonAdvancing: number;
  readonly warnings: Map<string, number>;
}

async function runScenario(scenario: Scenario): Promise<Result> {
  const root = new ClusterClient(scenario.cluster.urls, { timeoutMs: TIMEOUT_MS });
  const browsers = (n: number): ClusterClient[] => Array.from({ length: n }, () => root.fork());
  const samples: Sample[] = [];
  const points: StatPoint[] = [];
  const warningsBefore = new Map(warnings);
  const originMs = performance.now();
  const elapsed = (): number => performance.now() - originMs;
  const running = (): boolean => elapsed() < scenario.durationMs;
  let polling = true;
  const poller = (async () => {
    const first = await pollStats(root, originMs);
    if (first !== undefined) points.push({ ...first, tMs: 0 });
    while (polling) {
      await sleep(POLL_MS);
      const point = await pollStats(root, originMs);
      if (point !== undefined) points.push(point);
    }
  })();
  const faults = (async () => {
    for (const event of scenario.events) {
      await sleep(Math.max(0, event.atMs - elapsed()));
      await event.run();
    }
  })();
  const common = { timeoutMs: TIMEOUT_MS, originMs, running, onSample: (s: Sample) => samples.push(s) };
  const [serverTallies] = await Promise.all([
    runLoad({ ...common, clients: browsers(SERVER_CLIENTS), group: 'server' }),
    runLoad({ ...common, clients: browsers(COOKIE_CLIENTS), group: 'cookie', prefix: '/cookie' }),
    faults,
  ]);
  polling = false;
  await poller;
  const check = await checkCounters(serverTallies);
  root.close();
  const spanMs = Math.min(scenario.durationMs, elapsed());
  return {
    title: scenario.title,
    server: summarize(samples.filter((s) => s.group === 'server'), spanMs),
    cookie: summarize(samples.filter((s) => s.group === 'cookie'), spanMs),
    samples,
    points,
    events: scenario.events,
    ...check,
    warnings: warningsSince(warningsBefore),
  };
}

/** Reads every browser's counter on every instance: below the answered increments is a lost update. */
async function checkCounters(tallies: readonly IncrementTally[]): Promise<{ lost: string[]; phantom: string[]; unknown: number; nonAdvancing: number }> {
  const lost: string[] = [];
  const phantom: string[] = [];
  let unknown = 0;
  let nonAdvancing = 0;
  for (const [b, tally] of tallies.entries()) {
    unknown += tally.unknown;
    nonAdvancing += tally.answered.filter((n, i) => i > 0 && !(n > (tally.answered[i - 1] as number))).length;
    const tail = `; its last answered counters ${tally.answered.slice(-6).join(', ')}, ${tally.unknown} unanswered`;
    for (let i = 0; i < tally.client.urls.length; i++) {
      const res = await tally.client.get<{ counter: number | null }>(i, '/state', { timeoutMs: TIMEOUT_MS }).catch(() => undefined);
      const counter = res?.status === 200 ? (res.body.counter ?? 0) : undefined;
      if (counter === undefined) lost.push(`browser ${b} on #${i}: no answer`);
      else if (counter < tally.confirmed) lost.push(`browser ${b} on #${i}: ${counter} < ${tally.confirmed} answered${i === 0 ? tail : ''}`);
      else if (counter > tally.confirmed + tally.unknown) phantom.push(`browser ${b} on #${i}: ${counter} > ${tally.confirmed} answered + ${tally.unknown} unanswered`);
    }
  }
  return { lost, phantom, unknown, nonAdvancing };
}

function printResult(result: Result, healthy: Summary | undefined, scenario: Scenario): void {
  console.log(`\n### ${result.title}`);
  for (const e of result.events) console.log(`- ${(e.atMs / 1000).toFixed(1)} s: ${e.label}`);
  const widths = [4, 5, 7, 7, 7, 7, 8, 9, 6, 6, 7, 7];
  console.log(`\n${pad(['s', 'req', 'p50 ms', 'p99 ms', 'max ms', 'non2xx', 'timeouts', 'cookie99', 'hits', 'cErrs', 'lookups', 'commits'], widths)}`);
  const server = bySecond(result.samples.filter((s) => s.group === 'server'));
  const cookie = bySecond(result.samples.filter((s) => s.group === 'cookie'));
  for (let sec = 0; sec < Math.max(server.length, cookie.length); sec++) {
    const s = summarize(server[sec] ?? [], 1000);
    const c = summarize(cookie[sec] ?? [], 1000);
    const from = statAt(result.points, sec * 1000);
    const to = statAt(result.points, (sec + 1) * 1000);
    const delta = (f: (p: StatPoint) => number): string => (from === undefined || to === undefined ? '–' : String(f(to) - f(from)));
    console.log(
      pad(
        [sec, s.requests, ms(s.p50Ms), ms(s.p99Ms), ms(s.maxMs), s.non2xx, s.timeouts + s.errors, ms(c.p99Ms), delta((p) => p.hits), delta((p) => p.cacheErrors), delta((p) => p.lookups), delta((p) => p.commits)],
        widths,
      ),
    );
  }
  const line = (name: string, s: Summary): string =>
    `${name}: ${s.requests} requests, ${s.perSecond.toFixed(0)} req/s, p50 ${ms(s.p50Ms)} ms, p99 ${ms(s.p99Ms)} ms, max ${ms(s.maxMs)} ms, non-2xx ${s.non2xx}, timeouts ${s.timeouts}, socket errors ${s.errors}`;
  console.log(`\n- ${line('server-side', result.server)}`);
  console.log(`- ${line('cookie-tier', result.cookie)}`);
  if (scenario.outage !== undefined && healthy !== undefined) {
    const [from, to] = scenario.outage;
    const during = summarize(result.samples.filter((s) => s.group === 'server' && s.startMs >= from + 1000 && s.startMs < to), to - from - 1000);
    console.log(`- added p99 after the first second of the outage over the ${scenario.datastoreOutage === true ? 'healthy' : 'Datastore-only'} run: ${ms(during.p99Ms - healthy.p99Ms)} ms (p99 ${ms(during.p99Ms)} ms vs ${ms(healthy.p99Ms)} ms; non-2xx ${during.non2xx}, timeouts ${during.timeouts})`);
  }
  const back = result.events.find((e) => e.back === 'cache');
  if (back !== undefined) {
    const after = result.points.filter((p) => p.tMs >= back.atMs);
    const resumed = after.find((p, i) => i > 0 && p.hits > (after[i - 1] as StatPoint).hits);
    console.log(`- cache hits resume within ${resumed === undefined ? 'never (not within the run)' : `${((resumed.tMs - back.atMs) / 1000).toFixed(2)} s`} of the cache coming back (stats polled every ${POLL_MS} ms)`);
  }
  if (scenario.datastoreOutage === true && scenario.outage !== undefined) {
    const [from, to] = scenario.outage;
    // Every increment in flight during the freeze: started before it ended, not finished before it began.
    const incs = result.samples.filter((s) => s.group === 'server' && s.kind === 'inc' && s.startMs < to && s.startMs + s.latencyMs > from);
    const answered = incs.filter((s) => typeof s.outcome === 'number');
    const statuses = [...new Set(answered.map((s) => s.outcome))].join(', ');
    const a = summarize(answered, 1);
    console.log(`- increments in flight while Datastore was frozen: ${incs.length}; answered ${answered.length} (status ${statuses || '–'}; p50 ${ms(a.p50Ms)} ms, max ${ms(a.maxMs)} ms); no answer within ${TIMEOUT_MS / 1000} s: ${incs.length - answered.length}`);
    const reads = summarize(result.samples.filter((s) => s.group === 'server' && s.kind === 'read' && s.startMs >= from && s.startMs < to), to - from);
    const cookies = summarize(result.samples.filter((s) => s.group === 'cookie' && s.startMs >= from && s.startMs < to), to - from);
    const resumed = result.events.find((e) => e.back === 'datastore');
    if (resumed !== undefined) {
      const ends = result.samples
        .filter((s) => s.group === 'server' && s.kind === 'inc' && typeof s.outcome === 'number' && s.outcome < 300 && s.startMs + s.latencyMs >= resumed.atMs)
        .map((s) => s.startMs + s.latencyMs - resumed.atMs);
      console.log(`- increments succeed again ${ends.length === 0 ? 'never (not within the run)' : `${(Math.min(...ends) / 1000).toFixed(2)} s`} after Datastore came back`);
    }
    console.log(`- during the freeze: server-side reads ${reads.requests} (p99 ${ms(reads.p99Ms)} ms, non-2xx ${reads.non2xx}); cookie-tier ${cookies.requests} (p99 ${ms(cookies.p99Ms)} ms, non-2xx ${cookies.non2xx}, timeouts ${cookies.timeouts})`);
  }
  console.log(`- lost updates: ${result.lost.length === 0 ? 'none' : `${result.lost.length} (${result.lost.slice(0, 4).join('; ')}${result.lost.length > 4 ? '; …' : ''})`}; unanswered increments (may or may not count): ${result.unknown}${result.phantom.length === 0 ? '' : `; counters above answered + unanswered: ${result.phantom.slice(0, 4).join('; ')}`}`);
  console.log(`- answered increments that did not advance their browser's counter: ${result.nonAdvancing}`);
  const logged = [...result.warnings].sort((a, b) => b[1] - a[1]);
  const total = logged.reduce((n, [, c]) => n + c, 0);
  console.log(`- warnings and errors the apps logged: ${total}${total === 0 ? '' : ` — ${logged.slice(0, 4).map(([k, c]) => `${c}× "${k}"`).join(', ')}`}`);
}

function appConfig(cacheUrl: string, emulator: EmulatorProcess, namespace: string): ClusterAppConfig {
  return {
    cache: 'redis',
    cacheUrl,
    datastore: { host: emulator.host, projectId: emulator.projectId, namespace },
    options: { cookieOnlyThreshold: 0, ...EXTRA_OPTIONS },
    cookieTierRoutes: true,
  };
}

async function start(config: ClusterAppConfig): Promise<Cluster> {
  const cluster = await startCluster({
    instances: INSTANCES,
    config,
    readyTimeoutMs: 60_000,
    onStderr: (_, line) => countWarning(line),
  });
  cleanups.push(() => cluster.stop());
  return cluster;
}

async function main(): Promise<void> {
  process.env['METADATA_SERVER_DETECTION'] ??= 'none';
  const started = performance.now();
  const emulator = await startEmulatorProcess({ useEnvironment: false });
  cleanups.push(() => emulator.stop());
  const redis: TestServer = await startRedis();
  cleanups.push(() => redis.stop());
  console.log(`# Fault benchmark — Node ${process.version}, ${cpus().length} CPUs (load average ${loadavg().map((n) => n.toFixed(1)).join(' ')}), ${INSTANCES} app processes, ${SERVER_CLIENTS} server-side + ${COOKIE_CLIENTS} cookie-tier browsers, request timeout ${TIMEOUT_MS} ms`);
  console.log(`plugin options: ${JSON.stringify({ cookieOnlyThreshold: 0, ...EXTRA_OPTIONS })}; Redis pid ${String(redis.pid)} at ${redis.url}; emulator pid ${String(emulator.pid)} at ${emulator.host}`);

  const shared = await start(appConfig(redis.url, emulator, 'bench'));
  // Warm-up (not reported): connections, JIT, the first sessions.
  await runScenario({ title: 'warm-up', cluster: shared, durationMs: 3000, events: [] });
  const healthy = await runScenario({ title: 'Healthy: Redis + Datastore', cluster: shared, durationMs: 8000, events: [] });
  printResult(healthy, undefined, { title: '', cluster: shared, durationMs: 0, events: [] });

  // Datastore only: the cache is a Redis URL nobody listens on, from the start (every cache call fails at once).
  const noCache = await start(appConfig(`redis://127.0.0.1:${await freePort()}`, emulator, 'bench-nocache'));
  const datastoreOnly = await runScenario({ title: 'Datastore only: Redis unreachable from the start', cluster: noCache, durationMs: 8000, events: [] });
  printResult(datastoreOnly, healthy.server, { title: '', cluster: noCache, durationMs: 0, events: [] });
  await noCache.stop();

  const killed: Scenario = {
    title: 'Redis SIGKILLed at 3 s, restarted (empty) at 8 s',
    cluster: shared,
    durationMs: 15_000,
    outage: [3000, 8000],
    events: [
      { atMs: 3000, label: 'Redis SIGKILL', run: () => redis.stop({ signal: 'SIGKILL' }) },
      { atMs: 8000, label: 'Redis restarted on the same port', back: 'cache', run: () => redis.restart() },
    ],
  };
  printResult(await runScenario(killed), datastoreOnly.server, killed);

  const stopped: Scenario = {
    title: 'Redis SIGSTOPped at 3 s, SIGCONT at 8 s',
    cluster: shared,
    durationMs: 15_000,
    outage: [3000, 8000],
    events: [
      { atMs: 3000, label: 'Redis SIGSTOP', run: () => redis.pause() },
      { atMs: 8000, label: 'Redis SIGCONT', back: 'cache', run: () => redis.resume() },
    ],
  };
  printResult(await runScenario(stopped), datastoreOnly.server, stopped);

  const frozen: Scenario = {
    title: 'Datastore emulator SIGSTOPped at 3 s for 20 s',
    cluster: shared,
    durationMs: 28_000,
    outage: [3000, 23_000],
    datastoreOutage: true,
    events: [
      { atMs: 3000, label: 'emulator SIGSTOP', run: () => emulator.pause() },
      { atMs: 23_000, label: 'emulator SIGCONT', back: 'datastore', run: () => emulator.resume() },
    ],
  };
  printResult(await runScenario(frozen), healthy.server, frozen);
  console.log(`\nTotal ${((performance.now() - started) / 1000).toFixed(0)} s.`);
}

process.once('SIGINT', () => {
  void cleanup().then(() => process.exit(130));
});
try {
  await main();
} finally {
  await cleanup();
}
