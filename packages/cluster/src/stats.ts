import type { Keyv } from 'keyv';

/** Cache calls as the app sees them through its Keyv instance (outside the plugin). */
export interface CacheStats {
  gets: number;
  /** Gets that returned a value. */
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  /** Calls that threw, plus the Keyv instance's `error` events (adapters report most failures only that way). */
  errors: number;
}

/**
 * Datastore RPCs made through the sessions' client (the key ring uses a client of its own), counted at the
 * client's request entry point, so every RPC counts once per attempt however the store calls the client.
 */
export interface DatastoreStats {
  /** Lookup RPCs (session reads). */
  lookups: number;
  /** Commit RPCs (session writes and deletes). */
  commits: number;
  /** Any other RPC (queries, transactions, id allocation). */
  other: number;
  /** RPCs that failed (each failed attempt counts). */
  errors: number;
}

/** What `GET /_cluster/stats` answers. */
export interface ClusterStats {
  readonly pid: number;
  /** Responses sent, by status code. */
  readonly responses: Record<string, number>;
  readonly cache: CacheStats;
  readonly datastore: DatastoreStats;
}

/** Fresh, zeroed counters for this process. */
export function newStats(): ClusterStats {
  return {
    pid: process.pid,
    responses: {},
    cache: { gets: 0, hits: 0, misses: 0, sets: 0, deletes: 0, errors: 0 },
    datastore: { lookups: 0, commits: 0, other: 0, errors: 0 },
  };
}

type AnyFn = (...args: unknown[]) => unknown;

/** Replaces `target[name]` by a wrapper that calls `before`, then the original, then `after` with its result. */
function wrapMethod(
  target: object,
  name: string,
  before: () => void,
  after: (result: unknown) => void,
  onError: () => void,
): void {
  const holder = target as Record<string, unknown>;
  const original = holder[name];
  if (typeof original !== 'function') return;
  const bound = (original as AnyFn).bind(target);
  holder[name] = (...args: unknown[]): unknown => {
    before();
    // A callback-style call is passed through as it is (counted, but not followed).
    if (typeof args[args.length - 1] === 'function') return bound(...args);
    let result: unknown;
    try {
      result = bound(...args);
    } catch (err) {
      onError();
      throw err;
    }
    if (typeof (result as { then?: unknown } | null)?.then === 'function') {
      return Promise.resolve(result).then(
        (value: unknown) => {
          after(value);
          return value;
        },
        (err: unknown) => {
          onError();
          throw err;
        },
      );
    }
    after(result);
    return result;
  };
}

/** Counts the calls the plugin makes on `keyv` (get/set/delete), and its `error` events. Returns `keyv`. */
export function countCacheCalls(keyv: Keyv, stats: CacheStats): Keyv {
  const none = (): void => undefined;
  const error = (): void => {
    stats.errors++;
  };
  wrapMethod(keyv, 'get', () => stats.gets++, (value) => (value === undefined ? stats.misses++ : stats.hits++), error);
  wrapMethod(keyv, 'set', () => stats.sets++, none, error);
  wrapMethod(keyv, 'delete', () => stats.deletes++, none, error);
  keyv.on('error', error);
  return keyv;
}

type RequestCallback = (err: unknown, ...rest: unknown[]) => void;

/**
 * Counts the RPCs made through a `Datastore` client by wrapping its request entry point (`request_`, through
 * which its own methods and direct RPCs alike go), by method. Returns `datastore`.
 */
export function countDatastoreCalls<T extends object>(datastore: T, stats: DatastoreStats): T {
  const holder = datastore as unknown as Record<string, unknown>;
  const original = holder['request_'];
  if (typeof original !== 'function') return datastore;
  holder['request_'] = function (this: unknown, config: { method?: unknown }, callback: RequestCallback): unknown {
    if (config.method === 'lookup') stats.lookups++;
    else if (config.method === 'commit') stats.commits++;
    else stats.other++;
    const counted: RequestCallback = (err, ...rest) => {
      if (err !== null && err !== undefined) stats.errors++;
      callback(err, ...rest);
    };
    return (original as (config: unknown, callback: RequestCallback) => unknown).call(this ?? datastore, config, counted);
  };
  return datastore;
}
