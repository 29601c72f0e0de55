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

/** Datastore calls made through the sessions' client (the key ring uses a client of its own). */
export interface DatastoreStats {
  /** `get` calls: one Lookup each, whatever the retries underneath. */
  gets: number;
  saves: number;
  deletes: number;
  /** Calls that finally failed. */
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
    datastore: { gets: 0, saves: 0, deletes: 0, errors: 0 },
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

/** Counts the calls made on a `Datastore` client (get/save/delete). Returns `datastore`. */
export function countDatastoreCalls<T extends object>(datastore: T, stats: DatastoreStats): T {
  const none = (): void => undefined;
  const error = (): void => {
    stats.errors++;
  };
  wrapMethod(datastore, 'get', () => stats.gets++, none, error);
  wrapMethod(datastore, 'save', () => stats.saves++, none, error);
  wrapMethod(datastore, 'delete', () => stats.deletes++, none, error);
  return datastore;
}
