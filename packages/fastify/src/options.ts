import {
  assertKind,
  assertSealAlgorithm,
  ConfigError,
  DEFAULT_COOKIE_ONLY_THRESHOLD,
  DEFAULT_SESSION_KIND,
  defaultSealAlgorithm,
  KeyRing,
  MAX_DATASTORE_SESSION_BYTES,
  MAX_SESSION_BYTES,
  parseDuration,
  type Duration,
  type SealAlgorithm,
  type Secret,
  type SessionStore,
} from '@gaes/core';
import { Keyv } from 'keyv';

/** A `Datastore` client from `@google-cloud/datastore` (typed structurally so this package does not load it). */
export interface DatastoreLike {
  key(path: unknown): unknown;
  get(key: unknown): Promise<unknown>;
}

/** Retry settings for the Datastore tier (see `RetryOptions` in `@gaes/datastore`). */
export interface DatastoreRetryOptions {
  readonly retries?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly attemptTimeoutMs?: number;
  readonly totalTimeoutMs?: number;
}

/** Settings of the per-process circuit breakers in front of the cache and of Datastore. */
export interface CircuitBreakerOptions {
  /** Consecutive failures or timeouts that open a tier's circuit. @default 3 */
  readonly failureThreshold?: number;
  /** How long an open circuit waits before its first background probe. @default '1s' */
  readonly openFor?: Duration;
  /** Longest wait between probes (it doubles after each failed probe). @default '5s' */
  readonly maxOpenFor?: Duration;
  /**
   * A cache call pending longer than this is slow; `failureThreshold` slow calls at once open the circuit
   * before they time out (a frozen server answers nothing). @default half of `cacheTimeout` (500 ms)
   */
  readonly slowCacheCall?: Duration;
  /**
   * The same for Datastore calls (a whole call, retries included: longer than one attempt's deadline, so a
   * Datastore that is only slow under load does not open it). @default '2s'
   */
  readonly slowDatastoreCall?: Duration;
}

/** The circuit breakers' settings, resolved. */
export interface ResolvedBreakers {
  readonly failureThreshold: number;
  readonly openMs: number;
  readonly maxOpenMs: number;
  readonly slowCacheCallMs: number;
  readonly slowDatastoreCallMs: number;
}

/**
 * Largest encoded session the Datastore tier can hold once sealed, whatever the kind, namespace and session
 * meta: derived in `@gaes/core` (`datastore-limits.ts`) from Datastore's limits and the seal and record formats.
 */
export { MAX_DATASTORE_SESSION_BYTES };

/** Options for `new Datastore(options)` (`projectId`, `databaseId`, `apiEndpoint`, …). */
export type DatastoreConstructorOptions = Readonly<Record<string, unknown>>;

/** Something that supplies the current key ring (e.g. one refreshed from Datastore). */
export interface KeyRingSource {
  /** The ring to use now; called on every seal and open, so it must be cheap. */
  current(): KeyRing;
  /** Called once when the app closes. */
  close?(): Promise<void> | void;
}

/** Cookie settings for the session cookies. `HttpOnly` is always on. */
export interface SessionCookieOptions {
  /** @default '/' */
  readonly path?: string;
  /** @default undefined (host-only cookie) */
  readonly domain?: string;
  /** @default 'lax' */
  readonly sameSite?: 'lax' | 'strict' | 'none' | false;
  /** `'auto'` sets `Secure` on HTTPS requests (honouring `trustProxy`). SSL-only sessions are always `Secure`. @default 'auto' */
  readonly secure?: boolean | 'auto';
  /** Adds `Partitioned` (CHIPS). @default false */
  readonly partitioned?: boolean;
}

/** Options of the gaes Fastify plugin. Every option is documented in the README with its default. */
export interface GaesSessionOptions {
  /** Secret(s) of at least 32 bytes, newest first: the first seals, all open. Required unless `keyring` is given. */
  readonly secret?: Secret | readonly Secret[];
  /** A key ring that can change at run time (see `@gaes/cli`'s Datastore key ring). Alternative to `secret`. */
  readonly keyring?: KeyRingSource;
  /** Absolute session lifetime. @default '7d' */
  readonly lifetime?: Duration;
  /** Idle timeout; 0 turns it off. @default 0 */
  readonly idleTimeout?: Duration;
  /** Largest encoded session kept in cookies; 0 keeps all data server-side. @default 10240 */
  readonly cookieOnlyThreshold?: number;
  /** Hard limit on encoded session data; saving more fails with `ERR_GAES_SESSION_TOO_LARGE`. @default 1048576 */
  readonly maxSessionBytes?: number;
  /** The cache tier: any Keyv instance (Redis, Memcached, …). @default new Keyv() (in-memory, one process) */
  readonly cache?: Keyv;
  /** Cache calls slower than this fail (and fall through to Datastore). @default '1s' */
  readonly cacheTimeout?: Duration;
  /**
   * Whether every instance of the app sees the same cache: `'shared'` (Redis, Memcached), or `'process'`
   * (an in-memory Keyv: each instance has its own). A per-process cache is not used for sessions when a
   * durable tier is set (other instances could not see its writes); without one, it holds them, and the
   * plugin warns at start-up that they live in one process only.
   * @default 'process' for Keyv's in-memory stores, 'shared' otherwise
   */
  readonly cacheScope?: 'shared' | 'process';
  /** Prefix of cache keys. @default 'gaes:' */
  readonly cacheKeyPrefix?: string;
  /**
   * The durable tier: Cloud Datastore. A `Datastore` instance from `@google-cloud/datastore`, or the
   * options to build one. @default none (sessions live in cookies and the cache only)
   */
  readonly datastore?: DatastoreLike | DatastoreConstructorOptions;
  /** Datastore kind of session entities. @default {@link DEFAULT_SESSION_KIND} */
  readonly datastoreKind?: string;
  /** Datastore namespace of session entities. @default the default namespace */
  readonly datastoreNamespace?: string;
  /** How Datastore calls are retried (`retries`, `baseDelayMs`, `maxDelayMs`, `attemptTimeoutMs`, `totalTimeoutMs`). @default 3 retries, 50 ms–1 s full-jitter backoff, 1.5 s per attempt, 2.5 s in all */
  readonly datastoreRetry?: DatastoreRetryOptions;
  /** Keep everything in cookies and the cache, even when `datastore` is given (the original's `no_datastore`). @default false */
  readonly noDatastore?: boolean;
  /** A custom durable tier instead of `datastore` (any {@link SessionStore}). @default none */
  readonly durableStore?: SessionStore;
  /**
   * Base name of the session cookies (`<name>0`, `<name>1`, …, and `<name>_0`, … after a `regenerateId()`).
   * With the `__Host-` prefix (e.g. `'__Host-gaes'`) browsers accept the cookies only if they are Secure,
   * have `Path=/` and no `Domain`, so no subdomain can set or overwrite them: use it when the app owns its
   * host name; it needs `cookie.secure` true or 'auto' (then always Secure) and the default path and domain.
   * `__Secure-` asks browsers to accept them only over HTTPS. @default 'gaes'
   */
  readonly cookieName?: string;
  /** Cookie attributes. */
  readonly cookie?: SessionCookieOptions;
  /** Sealing algorithm for new seals (both always open). @default 'xchacha20-poly1305' where sodium-native loads */
  readonly algorithm?: SealAlgorithm;
  /**
   * How many recently seen cookies to keep opened in memory, so a cookie sent again is not decrypted
   * again (expiry is still checked on every request); 0 turns it off. @default 10000
   */
  readonly cookieCacheSize?: number;
  /**
   * After `regenerateId()`, how long a request still carrying the old id (one that was in flight during the
   * login) is answered with the old id's last state, read-only, without touching cookies. 0 turns it off
   * (the old id is refused at once). @default '10s'
   */
  readonly regenerateGrace?: Duration;
  /**
   * How often every instance looks for sessions ended by `app.gaes.endSession`/`endAllSessions` on another
   * instance: a cookie-tier session ends everywhere within this (plus one query's time). @default '2s'
   */
  readonly revocationPoll?: Duration;
  /** A user-bound session's `lastSeenAt` (in `listSessions`) is updated at most this often. @default '5m' */
  readonly userSeenInterval?: Duration;
  /** The circuit breakers in front of the cache and of Datastore; `false` turns them off. @default { failureThreshold: 3, openFor: '1s', maxOpenFor: '5s' } */
  readonly circuitBreaker?: CircuitBreakerOptions | false;
  /** Makes `getCurrentSession()` work (AsyncLocalStorage); off so apps that do not use it pay nothing. @default false */
  readonly currentSession?: boolean;
  /** The clock, in ms since the epoch (for tests). @default Date.now */
  readonly now?: () => number;
}

/** Options after validation, with every default filled in. */
export interface ResolvedOptions {
  readonly keyring: KeyRingSource;
  readonly lifetimeMs: number;
  readonly idleTimeoutMs: number;
  readonly cookieOnlyThreshold: number;
  readonly maxSessionBytes: number;
  readonly cache: Keyv;
  readonly cacheTimeoutMs: number;
  readonly cacheKeyPrefix: string;
  readonly cacheScope: 'shared' | 'process';
  readonly durableStore: SessionStore | undefined;
  /** Datastore settings, when the durable tier is Datastore (built when the plugin registers). */
  readonly datastore:
    | {
        readonly client: DatastoreLike | DatastoreConstructorOptions;
        readonly kind: string;
        readonly namespace: string | undefined;
        readonly retry: DatastoreRetryOptions | undefined;
      }
    | undefined;
  readonly cookieName: string;
  readonly cookie: {
    readonly path: string;
    readonly domain: string | undefined;
    readonly sameSite: 'lax' | 'strict' | 'none' | false;
    readonly secure: boolean | 'auto';
    readonly partitioned: boolean;
  };
  readonly algorithm: SealAlgorithm;
  readonly cookieCacheSize: number;
  readonly regenerateGraceMs: number;
  readonly revocationPollMs: number;
  readonly userSeenIntervalMs: number;
  readonly circuitBreaker: ResolvedBreakers | undefined;
  readonly currentSession: boolean;
  readonly now: () => number;
}

const COOKIE_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
const COOKIE_PATH = /^\/[\x21-\x3a\x3c-\x7e]*$/;
const COOKIE_DOMAIN = /^\.?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
/** The largest cookie threshold: its sealed value still fits the 64 cookie chunks a reader accepts. */
const MAX_COOKIE_ONLY_THRESHOLD = 65_536;

/** Whether a Keyv keeps its entries in this process (Keyv wraps Maps and other in-memory stores in its memory adapter). */
function isProcessLocal(cache: Keyv): boolean {
  return (cache.store as { constructor?: { name?: string } } | undefined)?.constructor?.name === 'KeyvMemoryAdapter';
}

function positiveDuration(value: Duration, what: string): number {
  const ms = parseDuration(value, what);
  if (ms < 1) throw new ConfigError(`${what} must be at least 1 ms`);
  return ms;
}

function resolveBreaker(input: CircuitBreakerOptions | false | undefined, cacheTimeoutMs: number): ResolvedBreakers | undefined {
  if (input === false) return undefined;
  const failureThreshold = input?.failureThreshold ?? 3;
  if (!Number.isInteger(failureThreshold) || failureThreshold < 1) {
    throw new ConfigError('`circuitBreaker.failureThreshold` must be a whole number of failures, at least 1');
  }
  const openMs = parseDuration(input?.openFor ?? '1s', '`circuitBreaker.openFor`');
  const maxOpenMs = parseDuration(input?.maxOpenFor ?? '5s', '`circuitBreaker.maxOpenFor`');
  if (openMs < 1 || maxOpenMs < openMs) throw new ConfigError('`circuitBreaker.openFor` must be at least 1 ms and at most `maxOpenFor`');
  const slowCacheCallMs = positiveDuration(input?.slowCacheCall ?? Math.max(1, Math.floor(cacheTimeoutMs / 2)), '`circuitBreaker.slowCacheCall`');
  const slowDatastoreCallMs = positiveDuration(input?.slowDatastoreCall ?? '2s', '`circuitBreaker.slowDatastoreCall`');
  return { failureThreshold, openMs, maxOpenMs, slowCacheCallMs, slowDatastoreCallMs };
}

function staticKeyring(secret: Secret | readonly Secret[]): KeyRingSource {
  const ring = new KeyRing(secret);
  return { current: () => ring };
}

/**
 * Validates options and fills defaults; never mutates `input`.
 * @throws {ConfigError} with a message that says which option to change.
 */
export function resolveOptions(input: GaesSessionOptions | undefined): ResolvedOptions {
  const opts = input ?? {};
  let keyring: KeyRingSource;
  if (opts.keyring !== undefined) {
    if (opts.secret !== undefined) throw new ConfigError('give either `secret` or `keyring`, not both');
    keyring = opts.keyring;
  } else if (opts.secret === undefined || (Array.isArray(opts.secret) && opts.secret.length === 0)) {
    throw new ConfigError(
      '`secret` is required: a string of at least 32 bytes (e.g. from `openssl rand -base64 48`), ' +
        'or an array of them, newest first',
    );
  } else {
    keyring = staticKeyring(opts.secret);
  }

  const lifetimeMs = parseDuration(opts.lifetime ?? '7d', '`lifetime`');
  if (lifetimeMs < 1000) throw new ConfigError('`lifetime` must be at least one second');
  const idleTimeoutMs = parseDuration(opts.idleTimeout ?? 0, '`idleTimeout`');

  const cookieOnlyThreshold = opts.cookieOnlyThreshold ?? DEFAULT_COOKIE_ONLY_THRESHOLD;
  if (!Number.isInteger(cookieOnlyThreshold) || cookieOnlyThreshold < 0 || cookieOnlyThreshold > MAX_COOKIE_ONLY_THRESHOLD) {
    throw new ConfigError(
      `\`cookieOnlyThreshold\` must be a whole number of bytes from 0 to ${MAX_COOKIE_ONLY_THRESHOLD}, got ${String(cookieOnlyThreshold)}`,
    );
  }
  const usesDatastore = opts.datastore !== undefined && opts.noDatastore !== true;
  const sizeCap = usesDatastore ? MAX_DATASTORE_SESSION_BYTES : MAX_SESSION_BYTES;
  const maxSessionBytes = opts.maxSessionBytes ?? sizeCap;
  if (!Number.isInteger(maxSessionBytes) || maxSessionBytes < 1 || maxSessionBytes > sizeCap) {
    throw new ConfigError(
      `\`maxSessionBytes\` must be a whole number from 1 to ${sizeCap}` + (usesDatastore ? ' (what a Datastore entity can hold once sealed)' : ''),
    );
  }

  const cookieName = opts.cookieName ?? 'gaes';
  if (!COOKIE_NAME.test(cookieName)) {
    throw new ConfigError('`cookieName` must be 1–64 cookie-token characters (letters, digits, and !#$%&\'*+.^_`|~-)');
  }
  const c = opts.cookie ?? {};
  const path = c.path ?? '/';
  if (!COOKIE_PATH.test(path)) throw new ConfigError('`cookie.path` must start with "/" and contain no ";" or spaces');
  if (c.domain !== undefined && !COOKIE_DOMAIN.test(c.domain)) {
    throw new ConfigError(`\`cookie.domain\` "${c.domain}" is not a valid domain`);
  }
  const sameSite = c.sameSite ?? 'lax';
  if (sameSite !== 'lax' && sameSite !== 'strict' && sameSite !== 'none' && sameSite !== false) {
    throw new ConfigError("`cookie.sameSite` must be 'lax', 'strict', 'none' or false");
  }
  const secure = c.secure ?? 'auto';
  if (secure !== true && secure !== false && secure !== 'auto') {
    throw new ConfigError("`cookie.secure` must be true, false or 'auto'");
  }
  if (sameSite === 'none' && secure === false) {
    throw new ConfigError("`cookie.sameSite: 'none'` needs `cookie.secure` true or 'auto': browsers drop such cookies otherwise");
  }
  const prefix = /^__(Host|Secure)-/i.exec(cookieName)?.[1]?.toLowerCase();
  if (prefix !== undefined && secure === false) {
    throw new ConfigError(`a \`cookieName\` starting with __${prefix === 'host' ? 'Host' : 'Secure'}- needs \`cookie.secure\` true or 'auto': browsers drop such cookies without Secure`);
  }
  if (prefix === 'host' && (path !== '/' || c.domain !== undefined)) {
    throw new ConfigError('a `cookieName` starting with __Host- needs `cookie.path` "/" and no `cookie.domain`: browsers drop such cookies otherwise');
  }
  // Prefixed cookies are always Secure ('auto' would leave it off on a plain-HTTP request, and the browser drop them).
  const cookieSecure = prefix === undefined ? secure : true;

  const cookieCacheSize = opts.cookieCacheSize ?? 10_000;
  if (!Number.isInteger(cookieCacheSize) || cookieCacheSize < 0) {
    throw new ConfigError('`cookieCacheSize` must be a whole number of entries (0 turns the cache off)');
  }
  const algorithm = opts.algorithm ?? defaultSealAlgorithm;
  assertSealAlgorithm(algorithm);

  if (opts.cache !== undefined && !(opts.cache instanceof Keyv) && typeof (opts.cache as { get?: unknown }).get !== 'function') {
    throw new ConfigError('`cache` must be a Keyv instance');
  }

  if (opts.datastore !== undefined && opts.durableStore !== undefined) {
    throw new ConfigError('give either `datastore` or `durableStore`, not both');
  }
  const noDatastore = opts.noDatastore ?? false;
  const datastoreKind = opts.datastoreKind ?? DEFAULT_SESSION_KIND;
  assertKind(datastoreKind, '`datastoreKind`');
  const datastore =
    opts.datastore === undefined || noDatastore
      ? undefined
      : { client: opts.datastore, kind: datastoreKind, namespace: opts.datastoreNamespace, retry: opts.datastoreRetry };

  const cacheTimeoutMs = parseDuration(opts.cacheTimeout ?? '1s', '`cacheTimeout`');
  const cache = opts.cache ?? new Keyv();
  const cacheScope = opts.cacheScope ?? (isProcessLocal(cache) ? 'process' : 'shared');
  if (cacheScope !== 'shared' && cacheScope !== 'process') throw new ConfigError("`cacheScope` must be 'shared' or 'process'");

  return {
    keyring,
    lifetimeMs,
    idleTimeoutMs,
    cookieOnlyThreshold,
    maxSessionBytes,
    cache,
    cacheTimeoutMs,
    cacheKeyPrefix: opts.cacheKeyPrefix ?? 'gaes:',
    cacheScope,
    durableStore: noDatastore ? undefined : opts.durableStore,
    datastore,
    cookieName,
    cookie: { path, domain: c.domain, sameSite, secure: cookieSecure, partitioned: c.partitioned ?? false },
    algorithm,
    cookieCacheSize,
    regenerateGraceMs: parseDuration(opts.regenerateGrace ?? '10s', '`regenerateGrace`'),
    revocationPollMs: positiveDuration(opts.revocationPoll ?? '2s', '`revocationPoll`'),
    userSeenIntervalMs: parseDuration(opts.userSeenInterval ?? '5m', '`userSeenInterval`'),
    circuitBreaker: resolveBreaker(opts.circuitBreaker, cacheTimeoutMs),
    currentSession: opts.currentSession ?? false,
    now: opts.now ?? Date.now,
  };
}
