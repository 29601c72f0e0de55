/**
 * `pnpm bench:http`: the HTTP benchmark of gaes against its peers, and Datastore operations of a scripted mix.
 * Knobs are environment variables (see `config.ts` and `bench/http/README.md`).
 *
 * 1. Starts redis-server (when a selected row needs it) and one server process per row, pinned to one CPU (a
 *    process per row: no row warms or fills another's caches).
 * 2. Logs in on each server to get the rows' cookies, and checks every route does what its row claims.
 * 3. Warms every row up, then runs `reps` rounds; in each round every row runs once (wrk pinned to the other
 *    CPU), in an order rotated by one each round, so drift of the machine hits every row alike.
 * 4. Counts Datastore RPCs of the scripted mix (a child process with the in-memory emulator).
 * 5. Writes the Markdown report to `bench/results/` and prints it.
 */
import type { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDefaultRun, resolveConfig, type BenchConfig } from './config.ts';
import { cookiesFor, validate } from './cookies.ts';
import type { DatastoreRow } from './datastore-ops.ts';
import { gaesRevision, load1, machineInfo, packageVersions } from './machine.ts';
import { renderSummary, summarizeProfile } from './profile-summary.ts';
import { renderReport, type ScenarioResult } from './report.ts';
import { REDIS_STACKS, selectScenarios, SCENARIOS, type Scenario } from './scenarios.ts';
import { processCpuNs, startServer, type RunningServer } from './servers.ts';
import { runWrk, writeScript, wrkVersion, type WrkResult } from './wrk.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = join(ROOT, 'bench/results');

const t0 = Date.now();
function log(msg: string): void {
  process.stderr.write(`[bench:http +${((Date.now() - t0) / 1000).toFixed(0)}s] ${msg}\n`);
}

interface Redis {
  readonly url: string;
  stop(): Promise<void>;
}

async function startRedisPinned(cpu: number | undefined): Promise<Redis> {
  const { startRedis } = await import('@gaes/test-servers');
  const server = await startRedis();
  if (cpu !== undefined && server.pid !== undefined) {
    // redis-server shares the load generator's CPU: the server's CPU measures the server alone.
    await new Promise<void>((resolve) => {
      const c = spawn('taskset', ['-a', '-p', '-c', String(cpu), String(server.pid)], { stdio: 'ignore' });
      c.on('close', () => resolve());
      c.on('error', () => resolve());
    });
  }
  return { url: server.url, stop: () => server.stop() };
}

interface Prepared {
  readonly scenario: Scenario;
  readonly server: RunningServer;
  readonly script: string;
  readonly cookies: number;
  /** Characters of the (first) Cookie header the row sends; 0 without one. */
  readonly cookieChars: number;
}

async function tasksetWorks(): Promise<boolean> {
  return new Promise((resolve) => {
    const c = spawn('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    c.on('close', (code) => resolve(code === 0));
    c.on('error', () => resolve(false));
  });
}

/** Starts servers (and Redis) for `scenarios`, makes cookies and scripts, validates every row. */
async function prepare(
  config: BenchConfig,
  scenarios: readonly Scenario[],
  pinned: boolean,
  workdir: string,
): Promise<{ prepared: Prepared[]; stop: () => Promise<void> }> {
  const needsRedis = scenarios.some((s) => REDIS_STACKS.has(s.stack));
  const redis = needsRedis ? await startRedisPinned(pinned ? config.loadgenCpu : undefined) : undefined;
  if (redis !== undefined) log(`redis-server at ${redis.url}`);
  const servers: RunningServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
    await redis?.stop();
  };
  try {
    // A few at a time: they all start on the one server CPU.
    const queue = [...scenarios];
    const byId = new Map<string, RunningServer>();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
          const server = await startServer({ stack: s.stack, cpu: pinned ? config.serverCpu : undefined, redisUrl: redis?.url });
          servers.push(server);
          byId.set(s.id, server);
        }
      }),
    );
    log(`${servers.length} servers started`);
    const prepared: Prepared[] = [];
    for (const scenario of scenarios) {
      const server = byId.get(scenario.id) as RunningServer;
      const base = `http://127.0.0.1:${server.port}`;
      const cookies = await cookiesFor(scenario, base, config);
      await validate(scenario, base, cookies);
      prepared.push({
        scenario,
        server,
        script: writeScript(workdir, scenario.id, cookies),
        cookies: cookies.length,
        cookieChars: cookies[0]?.length ?? 0,
      });
    }
    log(`cookies made and routes checked for ${prepared.length} rows`);
    return { prepared, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function drive(p: Prepared, config: BenchConfig, pinned: boolean, durationS: number): Promise<WrkResult> {
  const before = processCpuNs(p.server.pid);
  const result = await runWrk({
    url: `http://127.0.0.1:${p.server.port}${p.scenario.route}`,
    script: p.script,
    durationS,
    connections: config.connections,
    cpu: pinned ? config.loadgenCpu : undefined,
  });
  const after = processCpuNs(p.server.pid);
  if (before === undefined || after === undefined || result.requests === 0) return result;
  return { ...result, serverCpuUs: (after - before) / 1000 / result.requests };
}

/** Runs the Datastore mix in a child process (bounded); a failure becomes the reason in the report. */
function datastoreOps(config: BenchConfig): Promise<DatastoreRow[] | string> {
  const script = fileURLToPath(new URL('./datastore-ops.ts', import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=@gaes/source', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BENCH_DS_USERS: String(config.dsUsers) },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const kill = (): void => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    };
    const timer = setTimeout(kill, 300_000);
    process.once('exit', kill);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve(e.message);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      process.off('exit', kill);
      const line = out.split('\n').find((l) => l.startsWith('DSJSON '));
      if (line === undefined) {
        resolve(`the Datastore mix failed (exit ${String(code)}): ${err.trim().split('\n').slice(-5).join(' / ')}`);
        return;
      }
      resolve(JSON.parse(line.slice('DSJSON '.length)) as DatastoreRow[]);
    });
  });
}

async function mainRun(config: BenchConfig, pinned: boolean, workdir: string): Promise<void> {
  const started = Date.now();
  const loadStart = load1();
  const scenarios = selectScenarios(config.filter);
  const perRoundS = scenarios.length * config.durationS;
  const loadS = scenarios.length * config.warmupS + config.reps * perRoundS;
  log(
    `${scenarios.length} rows × ${config.reps} rounds × ${config.durationS} s (+ ${config.warmupS} s warm-up each): ` +
      `${loadS < 120 ? `${loadS} s` : `about ${Math.round(loadS / 60)} min`} of load`,
  );
  const { prepared, stop } = await prepare(config, scenarios, pinned, workdir);
  const runs = new Map<string, WrkResult[]>(prepared.map((p) => [p.scenario.id, []]));
  try {
    if (config.warmupS > 0) {
      for (const p of prepared) await drive(p, config, pinned, config.warmupS);
      log('warm-up done');
    }
    for (let round = 0; round < config.reps; round++) {
      for (let k = 0; k < prepared.length; k++) {
        const p = prepared[(k + round) % prepared.length] as Prepared;
        const r = await drive(p, config, pinned, config.durationS);
        (runs.get(p.scenario.id) as WrkResult[]).push(r);
      }
      const bare = runs.get('bare')?.[round];
      log(`round ${round + 1}/${config.reps} done (bare ${Math.round(bare?.reqPerSec ?? 0)} req/s)`);
    }
  } finally {
    await stop();
  }
  const results: ScenarioResult[] = prepared.map((p) => ({
    scenario: p.scenario,
    runs: runs.get(p.scenario.id) ?? [],
    cookies: p.cookies,
    cookieChars: p.cookieChars,
  }));

  let datastore: DatastoreRow[] | string | undefined;
  if (config.datastore && (config.filter.length === 0 || config.filter.includes('datastore'))) {
    log(`Datastore mix: ${config.dsUsers} users`);
    datastore = await datastoreOps(config);
  }

  const env = Object.entries(process.env)
    .filter(([k, v]) => k.startsWith('BENCH_') && v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const date = new Date();
  const report = renderReport({
    date,
    config,
    command: `${env === '' ? '' : `${env} `}pnpm bench:http`,
    machine: machineInfo(),
    versions: packageVersions(),
    revision: gaesRevision(),
    wrk: (await wrkVersion()) ?? 'wrk (version unknown)',
    load: { start: loadStart, end: load1() },
    pinned,
    results,
    datastore,
    elapsedS: (Date.now() - started) / 1000,
  });
  process.stdout.write(`${report}\n`);
  if (config.out !== '-') {
    const suffix = isDefaultRun(config, process.env) ? '' : config.quick ? '-quick' : '-custom';
    const file = config.out ?? join(RESULTS, `${date.toISOString().slice(0, 10)}${suffix}.md`);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, report);
    log(`report written to ${file}`);
  }
}

/**
 * Profiles rows (`BENCH_PROFILE=id[,id…]`, plus `bare` for reference): after the warm-up, each server's
 * V8 profiler runs for exactly one measured wrk run; prints req/s, CPU per request and a top-functions summary.
 */
async function profileRun(config: BenchConfig, pinned: boolean, workdir: string, ids: readonly string[]): Promise<void> {
  const wanted = ['bare', ...ids.filter((id) => id !== 'bare')];
  const scenarios = wanted.map((id) => {
    const s = SCENARIOS.find((x) => x.id === id);
    if (s === undefined) throw new Error(`BENCH_PROFILE: no row "${id}"; rows: ${SCENARIOS.map((x) => x.id).join(', ')}`);
    return s;
  });
  const dir = join(tmpdir(), `gaes-bench-profiles-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const { prepared, stop } = await prepare(config, scenarios, pinned, workdir);
  const out: string[] = [];
  try {
    if (config.warmupS > 0) for (const p of prepared) await drive(p, config, pinned, config.warmupS);
    for (const p of prepared) {
      const file = join(dir, `${p.scenario.id}.cpuprofile`);
      await p.server.command('profile-start');
      const result = await drive(p, config, pinned, config.durationS);
      await p.server.command(`profile-stop ${file}`);
      const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), 30, result.requests);
      const cpu = result.serverCpuUs === undefined ? '' : `, ${result.serverCpuUs.toFixed(1)} µs server CPU per request`;
      out.push(renderSummary(summary, `${p.scenario.id}: ${p.scenario.label} — ${Math.round(result.reqPerSec)} req/s under the profiler${cpu}`));
      out.push(`Profile: ${file} (open in Chrome DevTools or speedscope for a flame graph)\n`);
    }
  } finally {
    await stop();
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(): Promise<void> {
  const config = resolveConfig(process.env);
  if ((await wrkVersion()) === undefined) {
    throw new Error('wrk is not installed: `apt-get install -y wrk` (Debian package)');
  }
  const pinned = await tasksetWorks();
  if (!pinned) log('taskset is not available: servers and wrk are not pinned to CPUs');
  const workdir = mkdtempSync(join(tmpdir(), 'gaes-bench-http-'));
  const onSignal = (): void => {
    // servers.ts kills every server on exit; redis-server is killed by @gaes/test-servers' exit hook.
    rmSync(workdir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (config.profile !== undefined) await profileRun(config, pinned, workdir, config.profile.split(',').map((x) => x.trim()));
    else await mainRun(config, pinned, workdir);
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}

await main();
// Open handles (keep-alive fetch sockets) must not hold the harness.
process.exit(0);
