/** The Markdown report: a pure function of the measurements and the run's context. */
import type { BenchConfig } from './config.ts';
import type { DatastoreRow } from './datastore-ops.ts';
import type { MachineInfo } from './machine.ts';
import { GROUPS, type GroupId, type Scenario } from './scenarios.ts';
import { max, median, min } from './stats.ts';
import type { WrkResult } from './wrk.ts';

export interface ScenarioResult {
  readonly scenario: Scenario;
  /** One result per round, in round order. */
  readonly runs: readonly WrkResult[];
  /** Distinct Cookie headers cycled (0 or 1 for most rows). */
  readonly cookies: number;
  /** Characters of the (first) Cookie header sent, for rows that show it. */
  readonly cookieChars?: number;
}

export interface ReportInput {
  readonly date: Date;
  readonly config: BenchConfig;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly versions: ReadonlyArray<readonly [string, string]>;
  /** The gaes commit measured, if known. */
  readonly revision: string | undefined;
  readonly wrk: string;
  readonly load: { readonly start: number; readonly end: number };
  readonly pinned: boolean;
  readonly results: readonly ScenarioResult[];
  readonly datastore: readonly DatastoreRow[] | string | undefined;
  readonly elapsedS: number;
}

export interface RowFigures {
  readonly reqPerSec: number;
  /** Median over rounds of (this row's req/s ÷ bare's req/s in the same round). */
  readonly ratio: number;
  readonly ratioMin: number;
  readonly ratioMax: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** Median server CPU µs per request, and the median per-round ratio bare µs ÷ this row's µs. */
  readonly cpuUs: number;
  readonly cpuRatio: number;
}

/** Per-row figures; ratios are taken round by round against the bare row, then the median. */
export function figures(results: readonly ScenarioResult[]): Map<string, RowFigures> {
  const bare = results.find((r) => r.scenario.id === 'bare');
  const out = new Map<string, RowFigures>();
  for (const r of results) {
    const ratios = r.runs.map((run, i) => run.reqPerSec / (bare?.runs[i]?.reqPerSec ?? Number.NaN));
    const cpuRatios = r.runs.map((run, i) => (bare?.runs[i]?.serverCpuUs ?? Number.NaN) / (run.serverCpuUs ?? Number.NaN));
    out.set(r.scenario.id, {
      reqPerSec: median(r.runs.map((x) => x.reqPerSec)),
      ratio: median(ratios),
      ratioMin: min(ratios),
      ratioMax: max(ratios),
      p99Ms: median(r.runs.map((x) => x.p99Ms)),
      errors: r.runs.reduce((a, x) => a + x.badStatus + x.socketErrors, 0),
      cpuUs: median(r.runs.map((x) => x.serverCpuUs ?? Number.NaN)),
      cpuRatio: median(cpuRatios),
    });
  }
  return out;
}

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const fix = (n: number, d: number): string => (Number.isFinite(n) ? n.toFixed(d) : '—');

function goalCell(s: Scenario, f: RowFigures): string {
  if (s.goal === undefined) return '';
  if (s.goal.kind === 'peer') return `peer figure ${fix(s.goal.ratio, 3).replace(/0$/, '')}`;
  const goal = s.goal.min;
  const mark = (x: number): string => (Number.isFinite(x) ? (x >= goal ? '✅' : '❌') : '—');
  return `≥ ${fix(goal, 2)}: ${mark(f.ratio)} req/s, ${mark(f.cpuRatio)} CPU`;
}

const TABLE_HEAD = [
  '| scenario | req/s | ratio to bare | p99 ms | server CPU µs/req | CPU-cost ratio | goal | errors |',
  '|---|---:|---:|---:|---:|---:|---|---:|',
];

function rowLine(r: ScenarioResult, x: RowFigures): string {
  const range = r.runs.length > 1 ? ` (${fix(x.ratioMin, 2)}–${fix(x.ratioMax, 2)})` : '';
  const chars = r.scenario.showCookieChars === true && r.cookieChars !== undefined && r.cookieChars > 0 ? ` — Cookie header ${int(r.cookieChars)} chars` : '';
  return (
    `| ${r.scenario.label}${chars} | ${int(x.reqPerSec)} | **${fix(x.ratio, 2)}**${range} | ${fix(x.p99Ms, 2)} | ${fix(x.cpuUs, 1)} | ${fix(x.cpuRatio, 2)} | ` +
    `${goalCell(r.scenario, x)} | ${x.errors === 0 ? '0' : `⚠ ${int(x.errors)}`} |`
  );
}

/** One table per group of rows (in the rows' order), each under its heading with its note. */
function groupTables(results: readonly ScenarioResult[], f: ReadonlyMap<string, RowFigures>): string[] {
  const order: GroupId[] = [];
  for (const r of results) if (!order.includes(r.scenario.group)) order.push(r.scenario.group);
  const lines: string[] = [];
  for (const g of order) {
    lines.push(`### ${GROUPS[g].title}`, '', GROUPS[g].note, '', ...TABLE_HEAD);
    for (const r of results) {
      const x = f.get(r.scenario.id);
      if (r.scenario.group === g && x !== undefined) lines.push(rowLine(r, x));
    }
    lines.push('');
  }
  return lines;
}

function datastoreSection(rows: readonly DatastoreRow[] | string | undefined): string[] {
  if (rows === undefined) return ['## Datastore operations', '', 'Skipped (`BENCH_DATASTORE=0`, or a filtered run without `datastore` in `BENCH_FILTER`).', ''];
  if (typeof rows === 'string') return ['## Datastore operations', '', `Not measured: ${rows}`, ''];
  const first = rows[0];
  const per1000 = (n: number, r: DatastoreRow): number => (n / r.requests) * 1000;
  const official = rows.find((r) => r.id === 'fsession-datastore-rolling');
  const officialNoRolling = rows.find((r) => r.id === 'fsession-datastore');
  const lines = [
    '## Datastore operations',
    '',
    `Scripted mix per user: login, ${20} reads, ${5} writes (counter++), logout = 27 requests; ${first?.users ?? 0} users, ` +
      '10 at a time, counted at the in-memory gRPC emulator (`@gaes/datastore-emulator`). gaes rows: in-memory Keyv cache in front of Datastore.',
    '',
    '| setup | requests | Lookup / 1k req | Commit / 1k req | RunQuery / 1k req | all RPCs / 1k req | vs official (rolling) | vs official (not rolling) | wrong answers |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const total = per1000(r.total, r);
    const vs = (o: DatastoreRow | undefined): string => (o === undefined || o === r ? '' : fix(total / per1000(o.total, o), 3));
    lines.push(
      `| ${r.label} | ${int(r.requests)} | ${fix(per1000(r.lookup, r), 1)} | ${fix(per1000(r.commit, r), 1)} | ${fix(per1000(r.runQuery, r), 1)} | ` +
        `**${fix(total, 1)}** | ${vs(official)} | ${vs(officialNoRolling)} | ${r.mismatches} |`,
    );
  }
  lines.push(
    '',
    'Targets: zero Lookups for sessions whose data is in the cache (the gaes rows\' Lookup column); all RPCs at most one tenth of the ' +
      'official store\'s (the "vs official" columns ≤ 0.1).',
    '',
  );
  return lines;
}

/** The whole report as Markdown. */
export function renderReport(input: ReportInput): string {
  const f = figures(input.results);
  const c = input.config;
  const lines: string[] = [];
  lines.push(`# gaes HTTP benchmark — ${input.date.toISOString().slice(0, 10)}`, '');
  if (c.quick || c.durationS < 5 || c.reps < 3) {
    lines.push('> Short run (quick mode or reduced knobs): indicative only, not for publishing.', '');
  }
  if (input.load.start > 0.5) {
    lines.push(
      `> The machine was not idle when the run started (1-minute load average ${fix(input.load.start, 2)}): figures are noisy.`,
      '',
    );
  }
  lines.push(
    '## Throughput and latency',
    '',
    `Each row is its own server process on 127.0.0.1${input.pinned ? `, pinned to CPU ${c.serverCpu}` : ' (not pinned: no taskset)'}, ` +
      `driven by wrk (1 thread, ${c.connections} connections${input.pinned ? `, pinned to CPU ${c.loadgenCpu}` : ''}). ` +
      `${c.warmupS} s warm-up per row, then ${c.reps} rounds of ${c.durationS} s per row, rows interleaved within each round. ` +
      'req/s and p99 are medians over the rounds; the ratio is the median of per-round ratios to bare Fastify (range in brackets). ' +
      'Server CPU µs/req is the server process\'s CPU time (all threads) divided by the requests served; the CPU-cost ratio ' +
      '(bare µs ÷ row µs, median of per-round ratios) is what the req/s ratio tends to on an idle machine, and moves far less ' +
      'when other work competes for the CPU. ' +
      'Sessions hold `{ userId, counter, 200-byte string }` (≈250 B encoded) except in the "Session size" table. ' +
      `"many sessions" rows cycle ${int(c.sessions)} distinct session cookies, the "beyond the cookie cache" row ${int(c.sessionsBeyond)} ` +
      '(gaes keeps up to 10,000 opened cookies by default, so that row shows the cost without cache hits). ' +
      'Every table\'s ratios are to the bare Fastify row of the first table.',
    '',
    ...groupTables(input.results, f),
  );
  lines.push(
    'Goals: "≥" rows are gaes targets (ratios to bare in the same run); "peer figure" is the ratio PERFORMANCE.md gives for that ' +
      'peer, for comparison with the peer rows measured here. @fastify/secure-session and @mgcrea/fastify-session decode their ' +
      'cookie in `onRequest`, so their "untouched" rows still open the seal. @fastify/session rows: `cookie.secure: false` (plain HTTP), connect-redis ' +
      'store; redis-server shares the load generator\'s CPU.',
    '',
  );
  lines.push(...datastoreSection(input.datastore));
  lines.push(
    '## Machine and versions',
    '',
    `- CPU: ${input.machine.cpuModel}, nproc ${input.machine.nproc}; ${input.machine.kernel}`,
    `- Node ${input.machine.node} (OpenSSL ${input.machine.openssl}); ${input.wrk}`,
    `- gaes at ${input.revision ?? 'an unknown revision'}; ${input.versions.map(([n, v]) => `${n} ${v}`).join(', ')}`,
    `- Load average (1 min): ${fix(input.load.start, 2)} before the run, ${fix(input.load.end, 2)} at its end (its own load included); ` +
      `the run took ${int(input.elapsedS)} s`,
    '',
    '## Command',
    '',
    '```sh',
    input.command,
    '```',
    '',
  );
  return lines.join('\n');
}
