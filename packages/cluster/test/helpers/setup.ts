import { randomBytes } from 'node:crypto';
import { Datastore, rotateKeyRing } from '@gaes/datastore';
import { disableMetadataServer } from '@gaes/datastore-emulator';
import { serverForTest } from '@gaes/test-servers';
import type { Test } from 'tap';
import type { CacheKind, Cluster, EmulatorProcess } from '../../src/index.ts';
import { startForTest } from './start.ts';

/** The master secret of the test key rings. */
export const MASTER_SECRET = 'gaes-cluster-master-secret-0123456789abcdefghijklmnop';
/** Key-ring timing for the rotation scenario: instances re-read the ring every 200 ms; a new key is staged 2 s. */
export const REFRESH_MS = 200;
export const PROPAGATION_MS = 2000;
/** The plugin's `regenerateGrace` in the server-side set-ups (short, so the suite need not wait the default 10 s). */
export const REGENERATE_GRACE_MS = 1000;

/** One set-up: app processes over one emulator process, one cache, a namespace of their own. */
export interface ClusterSetup {
  readonly cluster: Cluster;
  readonly emulator: EmulatorProcess;
  readonly namespace: string;
  /** A client of the same Datastore, for the key ring commands. */
  readonly datastore: Datastore;
  /** Where session data lives: `server` (cookieOnlyThreshold 0) or `cookie` (the default threshold). */
  readonly tier: 'server' | 'cookie';
  /** A new browser (its own cookie jar) on the cluster's shared keep-alive agents. */
  browser(): ClusterClient;
  /** Warnings and errors the instances logged. */
  readonly logs: string[];
}

/** Options of {@link clusterSetup}. */
export interface SetupOptions {
  readonly cache: CacheKind;
  readonly tier: 'server' | 'cookie';
  /** The Datastore emulator every set-up of the file shares (each in its own namespace). */
  readonly emulator: EmulatorProcess;
  /** @default 3 */
  readonly instances?: number;
}

/**
 * Gets the cache server when the set-up needs one (`REDIS_URL` / `MEMCACHED_URL`, else the installed binary; a
 * missing one skips the set-up loudly, or fails it with `CI=true`), creates a key ring in a fresh namespace of
 * the shared emulator, and starts the app processes; what it started is stopped by pid when `t` ends.
 * Returns `undefined` when the set-up is skipped.
 */
export async function clusterSetup(t: Test, options: SetupOptions): Promise<ClusterSetup | undefined> {
  disableMetadataServer(); // the test's own Datastore client must not look for a GCE metadata server
  let cacheUrl: string | undefined;
  if (options.cache !== 'memory') {
    const server = await serverForTest(t, options.cache);
    if (server === undefined) return undefined;
    cacheUrl = server.url;
  }

  const { emulator } = options;
  const namespace = `c${randomBytes(6).toString('hex')}`;
  const datastore = new Datastore({ projectId: emulator.projectId, apiEndpoint: emulator.host });
  // The ring exists before any instance starts, with the short propagation window of the rotation scenario.
  await rotateKeyRing({ datastore, namespace, masterSecret: MASTER_SECRET, propagation: PROPAGATION_MS, lifetime: '1h' });

  const { cluster, root, logs } = await startForTest(t, {
    instances: options.instances ?? 3,
    config: {
      cache: options.cache,
      ...(cacheUrl === undefined ? {} : { cacheUrl }),
      datastore: { host: emulator.host, projectId: emulator.projectId, namespace },
      keyring: { masterSecret: MASTER_SECRET, refreshInterval: REFRESH_MS, propagation: PROPAGATION_MS, lifetime: '1h' },
      options: options.tier === 'server' ? { cookieOnlyThreshold: 0, regenerateGrace: REGENERATE_GRACE_MS } : {},
    },
  });
  t.comment(`${cluster.urls.length} app processes (pids ${cluster.pids.join(', ')}), cache ${options.cache}, ${options.tier}-side sessions, namespace ${namespace}`);
  return { cluster, emulator, namespace, datastore, tier: options.tier, browser: () => root.fork(), logs };
}
