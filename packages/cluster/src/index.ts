export { buildClusterApp, COOKIE_TIER_COOKIE_NAME, type ClusterApp, type StateBody } from './app.ts';
export { createCache, type ClusterCache } from './cache.ts';
export { startChild, type ChildHandle, type ChildSpec } from './child.ts';
export { ClusterClient, type ClientResponse, type ClusterClientOptions, type RequestOptions } from './client.ts';
export { APP_PROCESS_PATH, startCluster, type Cluster, type ClusterOptions } from './cluster.ts';
export {
  CLUSTER_SECRET,
  CONFIG_VARIABLE,
  configFromEnv,
  READY_PREFIX,
  validateConfig,
  type CacheKind,
  type ClusterAppConfig,
  type DatastoreConfig,
  type KeyRingConfig,
} from './config.ts';
export { CookieJar } from './cookie-jar.ts';
export { startEmulatorProcess, type EmulatorProcess, type EmulatorProcessOptions } from './emulator-process.ts';
export { ClusterError } from './errors.ts';
export { countCacheCalls, countDatastoreCalls, newStats, type CacheStats, type ClusterStats, type DatastoreStats } from './stats.ts';
export { bySecond, percentile, runLoad, summarize, type IncrementTally, type LoadOptions, type OperationKind, type Outcome, type Sample, type Summary } from './load.ts';
