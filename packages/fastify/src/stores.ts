import { openRecord, sealRecord, type SessionStore, type UserDirectory } from '@gaes/core';
import type { FastifyBaseLogger } from 'fastify';
import { CircuitBreaker } from './breaker.ts';
import { guardDirectory, guardStore, PROBE_ID } from './guarded-store.ts';
import { KeyvSessionStore } from './keyv-store.ts';
import { loadDatastore } from './load-datastore.ts';
import type { ResolvedOptions } from './options.ts';
import { OpenedRecords } from './opened-records.ts';
import { ServerStore, type RecordCodec } from './server-store.ts';
import { CacheUserDirectory } from './users/cache-directory.ts';

/** The server-side tiers of one app, with what closes them. */
export interface Stores {
  readonly store: ServerStore;
  /** Where user-bound session records and revocations live: Datastore when configured, else the cache. */
  readonly directory: UserDirectory;
  readonly breakers: readonly CircuitBreaker[];
}

/** Builds the Datastore tier; `@gaes/datastore` (and the gRPC client) load only when it is configured. */
async function datastoreStore(config: NonNullable<ResolvedOptions['datastore']>, now: () => number): Promise<SessionStore> {
  const { DatastoreSessionStore } = await loadDatastore();
  return new DatastoreSessionStore({ datastore: config.client, kind: config.kind, namespace: config.namespace, retry: config.retry, now });
}

/**
 * How records are sealed and opened with the app's current key ring; a record read again as the same sealed
 * bytes (a session read from the cache request after request) is not decrypted again.
 */
function recordCodec(opts: ResolvedOptions): RecordCodec {
  const opened = new OpenedRecords(opts.cookieCacheSize);
  return {
    seal: (id, record) => sealRecord(opts.keyring.current(), id, record, opts.algorithm),
    open: (id, sealed) => {
      const ring = opts.keyring.current();
      const known = opened.get(id, ring, sealed);
      if (known !== undefined) return known;
      // A layout-1 value did not record activity: NaN tells the reader to use the cookie's.
      const result = openRecord(ring, id, sealed, Number.NaN);
      if (!result.ok) return undefined;
      opened.set(id, ring, sealed, result.record);
      return result.record;
    },
  };
}

function breakerFor(store: SessionStore, name: 'cache' | 'Datastore', opts: ResolvedOptions, log: FastifyBaseLogger, breakers: CircuitBreaker[]): CircuitBreaker | undefined {
  const settings = opts.circuitBreaker;
  if (settings === undefined) return undefined;
  const slowCallMs = name === 'cache' ? settings.slowCacheCallMs : settings.slowDatastoreCallMs;
  const breaker = new CircuitBreaker({ ...settings, slowCallMs, name, log, probe: () => store.get(PROBE_ID) });
  breakers.push(breaker);
  return breaker;
}

/** The user directory: in Datastore when it is the durable tier, else in the cache (see `CacheUserDirectory`). */
async function userDirectory(opts: ResolvedOptions, cache: SessionStore, breaker: CircuitBreaker | undefined): Promise<UserDirectory> {
  if (opts.datastore === undefined) return new CacheUserDirectory(cache, opts.lifetimeMs, opts.now);
  const { DatastoreUserDirectory } = await loadDatastore();
  const directory = new DatastoreUserDirectory({ datastore: opts.datastore.client, namespace: opts.datastore.namespace, retry: opts.datastore.retry });
  return guardDirectory(directory, breaker);
}

/**
 * The cache and durable tiers behind their circuit breakers, and the {@link ServerStore} over them. A cache
 * kept in this process is not used for sessions when a durable tier exists: another instance could not see
 * its writes, so it would serve stale sessions and let ended ones back in.
 */
export async function buildStores(opts: ResolvedOptions, log: FastifyBaseLogger): Promise<Stores> {
  const breakers: CircuitBreaker[] = [];
  const keyv = new KeyvSessionStore(opts.cache, { keyPrefix: opts.cacheKeyPrefix, timeoutMs: opts.cacheTimeoutMs, log, now: opts.now });
  // One call before serving: clients such as @keyv/redis connect on first use and, with `disableOfflineQueue`,
  // fail the commands sent before the connection is up; a first burst of requests would open the breaker.
  if (opts.cacheScope === 'shared') await keyv.get(PROBE_ID).catch((err: unknown) => log.warn({ err }, 'gaes: the session cache did not answer at start-up'));
  const durableTier = opts.datastore === undefined ? opts.durableStore : await datastoreStore(opts.datastore, opts.now);
  const durableBreaker = durableTier === undefined ? undefined : breakerFor(durableTier, 'Datastore', opts, log, breakers);
  const durable = durableTier === undefined || durableBreaker === undefined ? durableTier : guardStore(durableTier, durableBreaker);
  const cacheBreaker = breakerFor(keyv, 'cache', opts, log, breakers);
  const guardedCache = cacheBreaker === undefined ? keyv : guardStore(keyv, cacheBreaker);
  const cache = opts.cacheScope === 'process' && durable !== undefined ? undefined : guardedCache;
  const store = new ServerStore({ cache, durable, codec: recordCodec(opts), log });
  const directory = await userDirectory(opts, guardedCache, durableBreaker);
  return { store, directory, breakers };
}
