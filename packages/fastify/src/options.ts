import {
  DEFAULT_SESSION_KIND,
  KeyRing,
  MAX_DATASTORE_SESSION_BYTES,
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

export { resolveOptions } from './resolve-options.ts';
