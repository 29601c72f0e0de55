import { ClusterError } from './errors.ts';

/** The environment variable that carries an app process's {@link ClusterAppConfig} as JSON. */
export const CONFIG_VARIABLE = 'GAES_CLUSTER_CONFIG';

/** The line an app process prints on stdout once it listens: `GAES_CLUSTER_READY <port>`. */
export const READY_PREFIX = 'GAES_CLUSTER_READY ';

/** The session secret every instance shares when the configuration names none (test use only). */
export const CLUSTER_SECRET = 'gaes-cluster-test-secret-0123456789abcdefghijklmnop';

/** Where the session cache lives: per process (`memory`), or a shared server. */
export type CacheKind = 'memory' | 'redis' | 'memcached';
const CACHE_KINDS: readonly CacheKind[] = ['memory', 'redis', 'memcached'];

/** A Datastore key ring (`DatastoreKeyRing.open`) instead of a fixed secret. Durations in ms, or `'90s'`-style strings. */
export interface KeyRingConfig {
  readonly masterSecret: string;
  /** How often each instance re-reads the ring. */
  readonly refreshInterval: number | string;
  /** For a ring that does not exist yet: how long a new key stays staged. */
  readonly propagation: number | string;
  /** For a ring that does not exist yet: the sessions' lifetime. @default '7d' */
  readonly lifetime?: number | string;
}

/** The Datastore all instances share: an emulator at `host` (the `DATASTORE_EMULATOR_HOST` form `host:port`). */
export interface DatastoreConfig {
  readonly host: string;
  readonly projectId: string;
  /** Namespace of the session entities and of the key ring. @default the default namespace */
  readonly namespace?: string;
}

/** The configuration of one app process, passed as JSON in {@link CONFIG_VARIABLE}. */
export interface ClusterAppConfig {
  /** The session secret; ignored with `keyring`. @default {@link CLUSTER_SECRET} */
  readonly secret?: string;
  readonly keyring?: KeyRingConfig;
  readonly cache: CacheKind;
  /** `redis://host:port` for Redis, `host:port` for Memcached. */
  readonly cacheUrl?: string;
  /** Keep `@keyv/redis`'s offline queue (calls wait while disconnected) instead of failing at once. @default false */
  readonly redisOfflineQueue?: boolean;
  readonly datastore?: DatastoreConfig;
  /** More plugin options, passed through as they are (`cookieOnlyThreshold`, `idleTimeout`, `datastoreRetry`, …). */
  readonly options?: Readonly<Record<string, unknown>>;
  /**
   * Also serve the same routes under `/cookie/…` from a second registration of the plugin with the default
   * cookie threshold (cookie-tier sessions, cookie name `gaesc`), next to the main one. @default false
   */
  readonly cookieTierRoutes?: boolean;
  /** The app's log level (pino); logs go to stderr. @default 'warn' */
  readonly logLevel?: string;
}

function fail(message: string): never {
  throw new ClusterError('ERR_GAES_CLUSTER_CONFIG', message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDuration(value: unknown): value is number | string {
  return (typeof value === 'number' && Number.isFinite(value) && value >= 0) || (typeof value === 'string' && value !== '');
}

/**
 * Checks a configuration's shape (what the app process needs before it builds anything; the plugin
 * validates its own options).
 * @throws {ClusterError} `ERR_GAES_CLUSTER_CONFIG`, saying which field is wrong.
 */
export function validateConfig(input: unknown): ClusterAppConfig {
  if (!isRecord(input)) fail('the configuration must be a JSON object');
  const { cache, cacheUrl, keyring, datastore, options, secret } = input;
  if (!CACHE_KINDS.includes(cache as CacheKind)) fail(`\`cache\` must be one of ${CACHE_KINDS.join(', ')}`);
  if (cache !== 'memory' && (typeof cacheUrl !== 'string' || cacheUrl === '')) fail(`\`cacheUrl\` is required with cache '${String(cache)}'`);
  if (secret !== undefined && (typeof secret !== 'string' || secret === '')) fail('`secret` must be a non-empty string');
  if (datastore !== undefined) {
    if (!isRecord(datastore) || typeof datastore['host'] !== 'string' || typeof datastore['projectId'] !== 'string') {
      fail('`datastore` must be { host: "host:port", projectId, namespace? }');
    }
    if (datastore['namespace'] !== undefined && typeof datastore['namespace'] !== 'string') fail('`datastore.namespace` must be a string');
  }
  if (keyring !== undefined) {
    if (datastore === undefined) fail('`keyring` needs `datastore` (the ring is kept there)');
    if (!isRecord(keyring) || typeof keyring['masterSecret'] !== 'string') fail('`keyring.masterSecret` must be a string');
    for (const field of ['refreshInterval', 'propagation'] as const) {
      if (!isDuration(keyring[field])) fail(`\`keyring.${field}\` must be a duration (ms or '90s')`);
    }
    if (keyring['lifetime'] !== undefined && !isDuration(keyring['lifetime'])) fail('`keyring.lifetime` must be a duration');
  }
  if (options !== undefined && !isRecord(options)) fail('`options` must be an object of plugin options');
  return input as unknown as ClusterAppConfig;
}

/**
 * The configuration in `env[GAES_CLUSTER_CONFIG]`.
 * @throws {ClusterError} `ERR_GAES_CLUSTER_CONFIG` when it is missing, not JSON, or invalid.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ClusterAppConfig {
  const text = env[CONFIG_VARIABLE];
  if (text === undefined || text === '') fail(`${CONFIG_VARIABLE} is not set`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail(`${CONFIG_VARIABLE} is not JSON`);
  }
  return validateConfig(parsed);
}
