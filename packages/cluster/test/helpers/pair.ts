import { randomBytes } from 'node:crypto';
import { serverForTest } from '@gaes/test-servers';
import type { Test } from 'tap';
import type { Cluster, EmulatorProcess } from '../../src/index.ts';
import { startForTest } from './start.ts';

/** Two app processes over one emulator process (a namespace of their own) and, optionally, one Redis. */
export interface Pair {
  readonly cluster: Cluster;
  readonly namespace: string;
  /** The shared Redis, or `undefined` for the per-process in-memory cache. */
  readonly redisUrl: string | undefined;
  /** A new browser (its own cookie jar) on the pair's shared keep-alive agents. */
  browser(): ClusterClient;
  /** Warnings and errors the instances logged. */
  readonly logs: string[];
}

/** Options of {@link startPair}. */
export interface PairOptions {
  readonly emulator: EmulatorProcess;
  /** `redis://…` for one shared Redis; `undefined` for the default per-process in-memory cache. */
  readonly redisUrl: string | undefined;
  /** Plugin options, passed through (`cookieOnlyThreshold`, `revocationPoll`, …). */
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * A Redis for the whole test file: `REDIS_URL`, else one started from the installed binary and stopped by pid
 * when `t` ends. `undefined` when there is none: the set-ups that need it are then skipped loudly (with
 * `CI=true` the file fails instead).
 */
export async function redisForFile(t: Test): Promise<string | undefined> {
  return (await serverForTest(t, 'redis', { skipWhole: false }))?.url;
}

/**
 * Starts two app processes (a fixed secret, a fresh Datastore namespace of the shared emulator) and stops
 * them by pid when `t` ends. Started once per set-up: the scenarios run as subtests of `t`.
 */
export async function startPair(t: Test, options: PairOptions): Promise<Pair> {
  const { emulator } = options;
  const namespace = `p${randomBytes(6).toString('hex')}`;
  const { cluster, root, logs } = await startForTest(t, {
    instances: 2,
    config: {
      cache: options.redisUrl === undefined ? 'memory' : 'redis',
      ...(options.redisUrl === undefined ? {} : { cacheUrl: options.redisUrl }),
      datastore: { host: emulator.host, projectId: emulator.projectId, namespace },
      options: options.options,
    },
  });
  t.comment(`2 app processes (pids ${cluster.pids.join(', ')}), ${options.redisUrl === undefined ? 'in-memory cache per process' : 'one Redis'}, namespace ${namespace}, options ${JSON.stringify(options.options)}`);
  return { cluster, namespace, redisUrl: options.redisUrl, browser: () => root.fork(), logs };
}

/** Comments how many warnings or errors the instances logged, and their distinct messages (at most five). */
export function commentLogs(t: Test, pair: Pair): void {
  const warnings = pair.logs.filter((line) => /"level":(40|50|60)/.test(line));
  const distinct = new Map<string, number>();
  for (const line of warnings) {
    let text = line.slice(0, 200);
    try {
      const entry = JSON.parse(line.slice(line.indexOf('{'))) as { msg?: unknown; err?: { message?: unknown } };
      text = `${line.slice(0, line.indexOf(' '))} ${String(entry.msg)}${entry.err === undefined ? '' : `: ${String(entry.err.message)}`}`;
    } catch {
      // not a JSON log line: keep its start
    }
    distinct.set(text, (distinct.get(text) ?? 0) + 1);
  }
  t.comment(`the instances logged ${warnings.length} warnings or errors`);
  for (const [text, count] of [...distinct].slice(0, 5)) t.comment(`  ${count} x ${text}`);
}
