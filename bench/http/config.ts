/**
 * The harness's knobs, read from environment variables by a pure function (no defaults hidden elsewhere).
 *
 * | variable | default (quick) | meaning |
 * |---|---|---|
 * | `BENCH_QUICK=1` | off | a ~5-minute smoke run of every row: the (quick) defaults below |
 * | `BENCH_DURATION` | 5 (2) | seconds of one measured run of one scenario |
 * | `BENCH_REPS` | 5 (2) | measured runs of every scenario (rounds, interleaved) |
 * | `BENCH_WARMUP` | 3 (1) | seconds of warm-up per scenario before the first round (not measured) |
 * | `BENCH_CONNECTIONS` | 10 | wrk connections (one wrk thread) |
 * | `BENCH_FILTER` | all | comma-separated substrings of scenario ids; `bare` always runs (ratios need it) |
 * | `BENCH_SESSIONS` | 10000 | distinct cookies cycled in the many-sessions rows |
 * | `BENCH_SESSIONS_BEYOND` | 50000 (20000) | distinct cookies in the "beyond the cookie cache" row (more than gaes's default cache) |
 * | `BENCH_DATASTORE` | 1 | `0` skips the Datastore operations count (filtered runs skip it unless the filter has `datastore`) |
 * | `BENCH_DS_USERS` | 200 (50) | users in the scripted Datastore mix |
 * | `BENCH_SERVER_CPU` / `BENCH_LOADGEN_CPU` | 0 / 1 | CPUs for the scenario servers / wrk and redis-server |
 * | `BENCH_PROFILE` | — | scenario ids (comma-separated): profile those rows (and `bare`) instead of a full run |
 * | `BENCH_GAES_OPTIONS` | — | JSON merged into every gaes row's plugin options (A/B an option), read by the servers |
 * | `BENCH_OUT` | `bench/results/<date>[-quick].md` | where the report goes (`-` prints only) |
 */
export interface BenchConfig {
  readonly quick: boolean;
  readonly durationS: number;
  readonly reps: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly filter: readonly string[];
  readonly sessions: number;
  readonly sessionsBeyond: number;
  readonly datastore: boolean;
  readonly dsUsers: number;
  readonly serverCpu: number;
  readonly loadgenCpu: number;
  readonly profile: string | undefined;
  readonly out: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

/** Reads the knobs from `env`; never mutates it. @throws {Error} naming the variable to fix. */
export function resolveConfig(env: Env): BenchConfig {
  const quick = env['BENCH_QUICK'] === '1' || env['BENCH_QUICK'] === 'true';
  const filter = (env['BENCH_FILTER'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const profile = env['BENCH_PROFILE'];
  return {
    quick,
    durationS: int(env, 'BENCH_DURATION', quick ? 2 : 5, 1, 600),
    reps: int(env, 'BENCH_REPS', quick ? 2 : 5, 1, 100),
    warmupS: int(env, 'BENCH_WARMUP', quick ? 1 : 3, 0, 600),
    connections: int(env, 'BENCH_CONNECTIONS', 10, 1, 1000),
    filter,
    sessions: int(env, 'BENCH_SESSIONS', 10_000, 2, 1_000_000),
    sessionsBeyond: int(env, 'BENCH_SESSIONS_BEYOND', quick ? 20_000 : 50_000, 2, 1_000_000),
    datastore: env['BENCH_DATASTORE'] !== '0',
    dsUsers: int(env, 'BENCH_DS_USERS', quick ? 50 : 200, 1, 100_000),
    serverCpu: int(env, 'BENCH_SERVER_CPU', 0, 0, 4095),
    loadgenCpu: int(env, 'BENCH_LOADGEN_CPU', 1, 0, 4095),
    profile: profile === undefined || profile === '' ? undefined : profile,
    out: env['BENCH_OUT'] === undefined || env['BENCH_OUT'] === '' ? undefined : env['BENCH_OUT'],
  };
}

/** Whether this run uses every default knob (so its report is the canonical `<date>.md`). */
export function isDefaultRun(config: BenchConfig, env: Env): boolean {
  const knobs = [
    'BENCH_DURATION',
    'BENCH_REPS',
    'BENCH_WARMUP',
    'BENCH_CONNECTIONS',
    'BENCH_FILTER',
    'BENCH_SESSIONS',
    'BENCH_SESSIONS_BEYOND',
    'BENCH_DS_USERS',
    'BENCH_GAES_OPTIONS',
    'BENCH_SERVER_CPU',
    'BENCH_LOADGEN_CPU',
  ];
  return !config.quick && knobs.every((k) => env[k] === undefined || env[k] === '') && config.datastore;
}
