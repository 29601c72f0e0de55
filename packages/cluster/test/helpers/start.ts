import type { Test } from 'tap';
import { ClusterClient, startCluster, type Cluster, type ClusterOptions } from '../../src/index.ts';

/** App processes started for a test, with what the tests read of them. */
export interface StartedCluster {
  readonly cluster: Cluster;
  /** The client new browsers are forked from (shared keep-alive agents). */
  readonly root: ClusterClient;
  /** Warnings and errors the instances logged (the first 1000 lines). */
  readonly logs: string[];
}

/**
 * Starts the app processes for test `t` and stops them by pid when `t` ends. Generous readiness: on a shared
 * 2-core machine a dozen processes loading side by side can take two minutes.
 */
export async function startForTest(t: Test, options: Omit<ClusterOptions, 'onStderr' | 'readyTimeoutMs'>): Promise<StartedCluster> {
  const logs: string[] = [];
  const cluster = await startCluster({
    ...options,
    readyTimeoutMs: 120_000,
    onStderr: (i, line) => {
      if (logs.length < 1000) logs.push(`#${i} ${line}`);
    },
  });
  const root = new ClusterClient(cluster.urls);
  t.teardown(async () => {
    root.close();
    await cluster.stop();
  });
  return { cluster, root, logs };
}
