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
  type Secret,
} from '@gaes/core';
import { Keyv } from 'keyv';
import type { CircuitBreakerOptions, GaesSessionOptions, ResolvedBreakers, ResolvedOptions, KeyRingSource } from './options.ts';

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
