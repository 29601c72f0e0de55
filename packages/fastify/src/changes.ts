/**
 * How much a request changed its session, which decides where the save goes:
 * - `none`: nothing to store (the cookie may still need re-sealing: a new key, an idle-timeout touch);
 * - `quick`: only `setQuick`/`popQuick` changes: the cache is enough (the original's "quick" writes);
 * - `durable`: any other change: written to Datastore (when configured) and the cache.
 */
export const ChangeLevel = { none: 0, quick: 1, durable: 2 } as const;
export type ChangeLevel = (typeof ChangeLevel)[keyof typeof ChangeLevel];

type Data = Record<string, unknown>;

const NO_KEYS: ReadonlySet<string> = new Set();

/**
 * What one request changed in its session, per key, so that a save can be replayed onto a newer stored copy
 * (parallel requests merge instead of overwriting each other): whether the data was cleared, and which keys
 * were set or deleted. The values are not copied: they are read from the request's data at save time.
 */
export class ChangeSet {
  #level: ChangeLevel = ChangeLevel.none;
  #cleared = false;
  /** Made on the first change: most requests change nothing. */
  #keys: Set<string> | undefined;

  get level(): ChangeLevel {
    return this.#level;
  }

  /** Whether the data was cleared (then only the keys changed after that survive a merge). */
  get cleared(): boolean {
    return this.#cleared;
  }

  /** The keys set or deleted. */
  get keys(): ReadonlySet<string> {
    return this.#keys ?? NO_KEYS;
  }

  /** Records a set or delete of `key` at `level` (the highest level of the request wins). */
  touch(key: string, level: ChangeLevel): void {
    (this.#keys ??= new Set()).add(key);
    this.raise(level);
  }

  /** Records that every key was removed. */
  clear(): void {
    this.#cleared = true;
    this.#keys?.clear();
    this.raise(ChangeLevel.durable);
  }

  /** Raises the change level without naming a key (a new session, a new id, a new user). */
  raise(level: ChangeLevel): void {
    if (level > this.#level) this.#level = level;
  }

  /** Forgets everything (the session was replaced). */
  reset(): void {
    this.#level = ChangeLevel.none;
    this.#cleared = false;
    this.#keys?.clear();
  }

  /**
   * This request's changes replayed onto `latest` (another request's newer copy): a cleared session starts
   * empty, each changed key takes this request's value or is deleted, every other key keeps `latest`'s value.
   * For the same key, the later save wins.
   */
  applyTo(latest: Readonly<Data>, mine: Readonly<Data>): Data {
    const out: Data = {};
    if (!this.#cleared) for (const key of Object.keys(latest)) setOwn(out, key, latest[key]);
    for (const key of this.keys) {
      if (Object.hasOwn(mine, key)) setOwn(out, key, mine[key]);
      else delete out[key];
    }
    return out;
  }
}

/** Sets `key` as an own data property (a key named `__proto__` stays data). */
export function setOwn(data: Data, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(data, key, { value, enumerable: true, writable: true, configurable: true });
  else data[key] = value;
}
