import { fileURLToPath } from 'node:url';
import { startChild, type ChildHandle } from './child.ts';
import { CONFIG_VARIABLE, READY_PREFIX, validateConfig, type ClusterAppConfig } from './config.ts';

/** The app entry the cluster runs: `app-process.ts` beside this file (`.js` when running from `dist`). */
export const APP_PROCESS_PATH = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './app-process.ts' : './app-process.js', import.meta.url));

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** How many app processes to run. */
  readonly instances: number;
  /** The configuration every instance gets (as JSON in `GAES_CLUSTER_CONFIG`). */
  readonly config: ClusterAppConfig;
  /** Longest wait for each instance's ready line. @default 20000 */
  readonly readyTimeoutMs?: number;
  /** Longest wait for an instance to exit after SIGTERM (then SIGKILL). @default 5000 */
  readonly stopTimeoutMs?: number;
  /** The environment of the instances. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Gets every stderr line of every instance, with its index. */
  readonly onStderr?: (instance: number, line: string) => void;
}

/** Running app processes. */
export interface Cluster {
  /** `http://127.0.0.1:PORT` of each instance, in order. */
  readonly urls: readonly string[];
  readonly pids: readonly number[];
  /** The processes, to pause, signal or read their output. */
  readonly instances: readonly ChildHandle[];
  /** Stops every instance (SIGTERM, then SIGKILL after the timeout), by pid. Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Starts `instances` app processes (`node --conditions=@gaes/source app-process.ts`) with one configuration
 * and waits until each listens. If one fails to start, the others are stopped and the error says why.
 * @throws {ClusterError} `ERR_GAES_CLUSTER_CONFIG` for a bad configuration, `ERR_GAES_CLUSTER_START`
 * (with the failing child's stderr tail).
 * @example
 * const cluster = await startCluster({ instances: 3, config: { cache: 'redis', cacheUrl, datastore } });
 * const client = new ClusterClient(cluster.urls);
 * await client.get(0, '/inc'); await client.get(1, '/inc'); // one session, two instances
 * await cluster.stop();
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  if (!Number.isInteger(options.instances) || options.instances < 1) throw new RangeError('`instances` must be a positive integer');
  const config = validateConfig(options.config);
  const env = { ...(options.env ?? process.env), [CONFIG_VARIABLE]: JSON.stringify(config), METADATA_SERVER_DETECTION: 'none' };
  const ready = new RegExp(`^${READY_PREFIX}(\\d+)$`);
  const started = await Promise.allSettled(
    Array.from({ length: options.instances }, (_, i) =>
      startChild({
        name: `app #${i}`,
        command: process.execPath,
        args: ['--conditions=@gaes/source', APP_PROCESS_PATH],
        env,
        ready,
        ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
        ...(options.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: options.stopTimeoutMs }),
        ...(options.onStderr === undefined ? {} : { onStderr: (line: string) => options.onStderr?.(i, line) }),
      }),
    ),
  );
  const instances = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value.child] : []));
  const stop = async (): Promise<void> => {
    const results = await Promise.allSettled(instances.map((child) => child.stop()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  };
  const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure !== undefined) {
    await stop().catch(() => undefined);
    throw failure.reason;
  }
  const ports = started.map((s) => Number((s as PromiseFulfilledResult<{ match: RegExpExecArray }>).value.match[1]));
  return {
    urls: ports.map((port) => `http://127.0.0.1:${port}`),
    pids: instances.map((child) => child.pid),
    instances,
    stop,
  };
}
