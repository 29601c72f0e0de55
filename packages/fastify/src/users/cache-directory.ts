import { Buffer } from 'node:buffer';
import { applyRevocation, type RevocationChange, type SessionStore, type UserDirectory, type UserRevocation, type UserSessionRecord } from '@gaes/core';

/** What the cache keeps for one user: the records of its sessions and its revocations. */
interface UserDocument {
  records: UserSessionRecord[];
  revocation: UserRevocation | undefined;
}

/** The recent revocation changes instances poll for. */
interface FeedEntry {
  readonly userId: string;
  readonly changedAtMs: number;
  readonly expiresAtMs: number;
}

const USER = 'user:';
const HANDLE = 'handle:';
const FEED = 'revocations';
/** The feed keeps at most this many recent changes (older ones have been polled long ago). */
const MAX_FEED = 10_000;

function encode(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value));
}

function decode<T>(bytes: Uint8Array | undefined): T | undefined {
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * The user directory for apps without Datastore (`noDatastore`, or a cache alone): records and revocations
 * live in the cache, one entry per user, a handle index, and one entry listing recent revocations that
 * instances poll. What is lost without Datastore: a cache can evict entries (a session then drops off its
 * user's list, or — if the evicted entry held a revocation — an ended cookie-tier session opens again);
 * changes are read-modify-writes without a transaction, so two changes to one user at the same moment on two
 * instances can lose one of them (two logins: one missing from the list; two revocations: one not applied).
 */
export class CacheUserDirectory implements UserDirectory {
  readonly #cache: SessionStore;
  readonly #lifetimeMs: number;
  readonly #now: () => number;

  /** @param lifetimeMs the longest a session lives (how long the revocation feed remembers a change). */
  constructor(cache: SessionStore, lifetimeMs: number, now: () => number) {
    this.#cache = cache;
    this.#lifetimeMs = lifetimeMs;
    this.#now = now;
  }

  async #document(userId: string): Promise<UserDocument> {
    return decode<UserDocument>(await this.#cache.get(USER + userId)) ?? { records: [], revocation: undefined };
  }

  async #saveDocument(userId: string, doc: UserDocument, nowMs: number): Promise<void> {
    const records = doc.records.filter((r) => r.expiresAtMs > nowMs);
    const expiresAtMs = Math.max(...records.map((r) => r.expiresAtMs), doc.revocation?.expiresAtMs ?? 0);
    if (expiresAtMs <= nowMs) await this.#cache.delete(USER + userId);
    else await this.#cache.set(USER + userId, encode({ ...doc, records }), expiresAtMs);
  }

  async put(record: UserSessionRecord): Promise<void> {
    const doc = await this.#document(record.userId);
    doc.records = [...doc.records.filter((r) => r.handle !== record.handle), record];
    await this.#saveDocument(record.userId, doc, this.#now());
    await this.#cache.set(HANDLE + record.handle, encode(record.userId), record.expiresAtMs);
  }

  async get(handle: string): Promise<UserSessionRecord | undefined> {
    const userId = decode<string>(await this.#cache.get(HANDLE + handle));
    if (typeof userId !== 'string') return undefined;
    return (await this.#document(userId)).records.find((r) => r.handle === handle);
  }

  async delete(handle: string): Promise<void> {
    const userId = decode<string>(await this.#cache.get(HANDLE + handle));
    await this.#cache.delete(HANDLE + handle);
    if (typeof userId !== 'string') return;
    const doc = await this.#document(userId);
    doc.records = doc.records.filter((r) => r.handle !== handle);
    await this.#saveDocument(userId, doc, this.#now());
  }

  async list(userId: string): Promise<UserSessionRecord[]> {
    return (await this.#document(userId)).records;
  }

  async revoke(userId: string, change: RevocationChange, nowMs: number): Promise<UserRevocation> {
    const doc = await this.#document(userId);
    doc.revocation = applyRevocation(userId, doc.revocation, change, nowMs);
    await this.#saveDocument(userId, doc, nowMs);
    const feed = (decode<FeedEntry[]>(await this.#cache.get(FEED)) ?? []).filter((e) => e.expiresAtMs > nowMs && e.userId !== userId);
    feed.push({ userId, changedAtMs: nowMs, expiresAtMs: doc.revocation.expiresAtMs });
    await this.#cache.set(FEED, encode(feed.slice(-MAX_FEED)), nowMs + this.#lifetimeMs);
    return doc.revocation;
  }

  async changedSince(sinceMs: number | undefined, nowMs: number): Promise<UserRevocation[]> {
    const feed = decode<FeedEntry[]>(await this.#cache.get(FEED)) ?? [];
    const changed = feed.filter((e) => e.expiresAtMs > nowMs && (sinceMs === undefined || e.changedAtMs > sinceMs));
    const out: UserRevocation[] = [];
    for (const entry of changed) {
      const revocation = (await this.#document(entry.userId)).revocation;
      if (revocation !== undefined && revocation.expiresAtMs > nowMs) out.push(revocation);
    }
    return out;
  }
}
