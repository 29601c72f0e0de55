import { isRevokedBy, type SessionEnvelope, type UserDirectory, type UserRevocation } from '@gaes/core';

/** How the feed reports trouble (once per outage) and recovery. */
export interface FeedLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Options of a {@link RevocationFeed}. */
export interface RevocationFeedOptions {
  readonly directory: UserDirectory;
  /** How often to poll for revocations made on any instance. */
  readonly intervalMs: number;
  readonly now: () => number;
  readonly log: FeedLogger;
}

/**
 * Revocations made on another instance are looked for this much before the last poll's start as well: their
 * `changedAt` comes from that instance's clock.
 */
const CLOCK_SKEW_MS = 5000;

/**
 * This process's copy of every user revocation that still matters, kept current by polling the directory
 * for revocations changed since the last poll (one query per interval, whatever the traffic), so checking a
 * cookie is a Map lookup: no I/O on any request. A revocation made in this process applies here at once; on
 * other instances within one interval (plus the poll's own time). If polls fail, the last known state stays
 * in use (cookie-tier sessions keep working while Datastore is down) and the outage is logged once.
 */
export class RevocationFeed {
  readonly #directory: UserDirectory;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #log: FeedLogger;
  readonly #byUser = new Map<string, UserRevocation>();
  #cursorMs: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failing = false;
  #stopped = false;

  constructor(options: RevocationFeedOptions) {
    this.#directory = options.directory;
    this.#intervalMs = options.intervalMs;
    this.#now = options.now;
    this.#log = options.log;
  }

  /**
   * Loads every revocation that still matters, then polls in the background. If the directory cannot be
   * read now (an outage at start-up), the app starts anyway and the first successful poll loads them.
   */
  async start(): Promise<void> {
    await this.poll().catch(() => undefined);
    this.#schedule();
  }

  /** Polls once now (also what the timer does). */
  async poll(): Promise<void> {
    const startedMs = this.#now();
    const since = this.#cursorMs === undefined ? undefined : this.#cursorMs - CLOCK_SKEW_MS;
    try {
      for (const revocation of await this.#directory.changedSince(since, startedMs)) this.apply(revocation);
      this.#cursorMs = startedMs;
      if (this.#failing) this.#log.info({}, 'gaes: revocations are being read again');
      this.#failing = false;
    } catch (err) {
      if (!this.#failing) {
        this.#log.warn({ err }, 'gaes: could not read session revocations; the last known ones stay in use until the next poll succeeds');
      }
      this.#failing = true;
      if (this.#cursorMs === undefined) throw err;
    }
    this.#prune(startedMs);
  }

  /** Takes a revocation into account (a newer one of the same user replaces an older one). */
  apply(revocation: UserRevocation): void {
    const known = this.#byUser.get(revocation.userId);
    if (known === undefined || known.changedAtMs <= revocation.changedAtMs) this.#byUser.set(revocation.userId, revocation);
  }

  /** Whether a user-bound session was ended by `endSession`/`endAllSessions`. */
  isRevoked(envelope: Pick<SessionEnvelope, 'user' | 'handle'>): boolean {
    const user = envelope.user;
    if (user === undefined) return false;
    const revocation = this.#byUser.get(user.id);
    return revocation !== undefined && isRevokedBy(revocation, envelope.handle, user.sinceMs);
  }

  /** How many users have revocations in memory. */
  get size(): number {
    return this.#byUser.size;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.poll().then(
        () => this.#schedule(),
        () => this.#schedule(),
      );
    }, this.#intervalMs);
    this.#timer.unref();
  }

  #prune(nowMs: number): void {
    for (const [userId, revocation] of this.#byUser) if (revocation.expiresAtMs <= nowMs) this.#byUser.delete(userId);
  }
}
