import {
  assertUserId,
  decodeSessionData,
  decodeSessionText,
  needsTouch,
  SessionStateError,
  type SessionTier,
} from '@gaes/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ChangeLevel, setOwn } from './changes.ts';
import { sessionCookies } from './cookie-header.ts';
import { readIncoming, type Incoming, type Presence } from './incoming.ts';
import { loadServerSide } from './load.ts';
import { saveSession } from './save.ts';
import type { SessionContext } from './session-context.ts';
import type { SessionData, SessionKey, SessionValueOf } from './session-data.ts';
import { SessionState } from './session-state.ts';
import { secureByDefault } from './startup-checks.ts';

type Data = Record<string, unknown>;

const NONE: Presence = [0, 0];

/** Options of {@link Session.regenerateId}. */
export interface RegenerateOptions {
  /**
   * Keep the session's data under the new id (`true`), or start the new id empty (`false`: a login that must
   * not carry anything an attacker could have planted in the anonymous session). @default true
   */
  readonly keepData?: boolean;
}

/**
 * `request.session`: the session of one request, loaded lazily.
 *
 * Nothing is read until a method is called; cookie-tier data is decoded on first data access; changes are
 * saved once, when the response is sent, and only if something changed. Session data lives apart from
 * these methods, so a key named `get` or `save` is just data.
 */
export class Session {
  readonly #request: FastifyRequest;
  readonly #ctx: SessionContext;
  readonly #state = new SessionState();
  #incoming: Incoming | undefined;
  #saved: { readonly tier: SessionTier | undefined; readonly cookies: number } | undefined;

  constructor(request: FastifyRequest, ctx: SessionContext) {
    this.#request = request;
    this.#ctx = ctx;
  }

  // ---- reading -----------------------------------------------------------------------------

  #read(): void {
    if (this.#incoming !== undefined) return;
    const { opts, cookies, envelopes, users } = this.#ctx;
    const nowMs = opts.now();
    const incoming = readIncoming(sessionCookies(this.#request.headers.cookie, cookies.names), {
      names: cookies.names,
      ring: opts.keyring.current(),
      envelopes,
      rule: opts,
      nowMs,
      https: this.#request.protocol === 'https',
      revocations: users.feed,
    });
    this.#incoming = incoming;
    const state = this.#state;
    if (incoming.kind === 'rejected') {
      this.#reject(incoming.reason);
      if (incoming.expiredPointerId !== undefined) state.queue('expired', incoming.expiredPointerId);
    } else if (incoming.kind === 'valid') {
      state.adoptEnvelope(incoming.envelope, incoming.slot, incoming.renew, incoming.text);
      if (incoming.loser !== undefined) state.clearSlot(incoming.loser);
      if (incoming.envelope.data !== undefined) {
        state.touch = needsTouch(incoming.envelope.lastActiveMs, opts, nowMs);
        state.userSeen = users.seen.due(state.meta, nowMs);
      }
    }
  }

  get #present(): Presence {
    const incoming = this.#incoming;
    return incoming === undefined || incoming.kind === 'none' ? NONE : incoming.present;
  }

  #reject(reason: string): void {
    this.#state.clearSlot();
    this.#request.log.debug({ reason }, 'gaes: session cookie rejected; starting fresh');
  }

  #ensureData(): Data {
    this.#read();
    const state = this.#state;
    if (state.data !== undefined) return state.data;
    if (state.pending !== undefined) {
      const { bytes, text } = state.pending;
      try {
        state.data = text === undefined ? decodeSessionData(bytes) : decodeSessionText(text);
      } catch {
        state.reset();
        this.#reject('undecodable data');
        state.data = {};
      }
      return state.data;
    }
    if (state.needsLoad) {
      throw new SessionStateError(
        'this session lives server-side and is not loaded on this route (config.session is false): ' +
          'call `await request.session.load()` first',
      );
    }
    state.data = {};
    return state.data;
  }

  /**
   * Loads server-side data (done for you before the handler unless the route sets `config.session: false`).
   * A session missing from every tier becomes a fresh, inactive one: its id is never reused. The idle timeout
   * of a server-side session is judged here, from its server-side record.
   * @throws {StoreUnavailableError} when the stores cannot answer (the request fails with 503).
   */
  async load(): Promise<void> {
    this.#read();
    const outcome = await loadServerSide(this.#state, this.#ctx);
    if (outcome.kind === 'lost') {
      this.#request.log.debug({ reason: outcome.reason }, 'gaes: server-side session lost');
      this.#state.clearSlot();
    } else if (outcome.kind === 'rejected') {
      this.#reject(outcome.reason);
    }
  }

  // ---- data --------------------------------------------------------------------------------

  /** The value under `key`, or `undefined`. */
  get<K extends SessionKey>(key: K): SessionValueOf<K> | undefined {
    const data = this.#ensureData();
    return (Object.hasOwn(data, key) ? data[key] : undefined) as SessionValueOf<K> | undefined;
  }

  /** Stores `value` under `key`, starting a session if none is active. Saved durably. */
  set<K extends SessionKey>(key: K, value: SessionValueOf<K>): this {
    this.#write(key, value, ChangeLevel.durable);
    return this;
  }

  /** Like {@link set}, but the change goes to the cache only (no Datastore write) unless another change is durable. */
  setQuick<K extends SessionKey>(key: K, value: SessionValueOf<K>): this {
    this.#write(key, value, ChangeLevel.quick);
    return this;
  }

  #write(key: string, value: unknown, level: ChangeLevel): void {
    this.#ensureData();
    const state = this.#state;
    if (state.id === undefined) state.startNew(this.#ctx.opts.now(), this.#ctx.opts.lifetimeMs, false);
    setOwn(state.data as Data, key, value);
    state.changes.touch(key, level);
  }

  /** Whether `key` is set. */
  has(key: SessionKey): boolean {
    return Object.hasOwn(this.#ensureData(), key);
  }

  /** Removes `key`; returns whether it was there. */
  delete(key: SessionKey): boolean {
    const data = this.#ensureData();
    if (!Object.hasOwn(data, key)) return false;
    delete data[key];
    this.#state.changes.touch(key, ChangeLevel.durable);
    return true;
  }

  /** Removes `key` and returns its value (or `undefined`). */
  pop<K extends SessionKey>(key: K): SessionValueOf<K> | undefined {
    return this.#pop(key, ChangeLevel.durable);
  }

  /** Like {@link pop}, but the change goes to the cache only unless another change is durable. */
  popQuick<K extends SessionKey>(key: K): SessionValueOf<K> | undefined {
    return this.#pop(key, ChangeLevel.quick);
  }

  #pop<K extends SessionKey>(key: K, level: ChangeLevel): SessionValueOf<K> | undefined {
    const data = this.#ensureData();
    if (!Object.hasOwn(data, key)) return undefined;
    const value = data[key];
    delete data[key];
    this.#state.changes.touch(key, level);
    return value as SessionValueOf<K>;
  }

  /** Removes every key of an active session (the session stays active). */
  clear(): void {
    this.#ensureData();
    const state = this.#state;
    if (state.id === undefined) return;
    state.data = {};
    state.changes.clear();
  }

  /** The keys set in this session. */
  keys(): string[] {
    return Object.keys(this.#ensureData());
  }

  /** `[key, value]` pairs of this session. */
  entries(): Array<[string, unknown]> {
    return Object.entries(this.#ensureData());
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** Whether a session is active (has an id). */
  isActive(): boolean {
    this.#read();
    return this.#state.id !== undefined;
  }

  /** The session id, or `undefined` when inactive. */
  get id(): string | undefined {
    this.#read();
    return this.#state.id;
  }

  /** When the session expires (absolute lifetime), or `undefined` when inactive. */
  get expiresAt(): Date | undefined {
    this.#read();
    return this.#state.id === undefined ? undefined : new Date(this.#state.expiresAtMs);
  }

  /** Whether the session may only be used over HTTPS. */
  isSslOnly(): boolean {
    this.#read();
    return this.#state.id !== undefined && this.#state.sslOnly;
  }

  /**
   * An opaque, stable, non-secret name of this session (the same for its whole life, across `regenerateId()`),
   * safe to show and to send back in a form: it is never the session id and opens or forges nothing. Use it
   * with `app.gaes.endSession(userId, handle)`. `undefined` when no session is active.
   */
  get handle(): string | undefined {
    this.#read();
    return this.#state.id === undefined ? undefined : this.#state.meta.handle;
  }

  /** The user this session is bound to by {@link setUser}, or `undefined` for an anonymous session. */
  get userId(): string | undefined {
    this.#read();
    return this.#state.id === undefined ? undefined : this.#state.meta.user?.id;
  }

  /**
   * Binds the session to a user (typically right after `regenerateId()` at login), so it is listed by
   * `app.gaes.listSessions(userId)` and ended by `endSession`/`endAllSessions`. Starts a session if none is active.
   * @throws {ConfigError} for an empty user id or one over 255 UTF-8 bytes.
   */
  setUser(userId: string): this {
    assertUserId(userId);
    this.#ensureData();
    const state = this.#state;
    const nowMs = this.#ctx.opts.now();
    if (state.id === undefined) state.startNew(nowMs, this.#ctx.opts.lifetimeMs, false);
    if (state.meta.user?.id === userId) return this;
    state.meta.user = { id: userId, sinceMs: nowMs, seenAtMs: nowMs };
    state.userChanged = true;
    state.changes.raise(ChangeLevel.durable);
    return this;
  }

  /**
   * Starts a new, empty session; an active one is discarded first (its server-side copy deleted).
   * @param options.sslOnly the session is only sent and honoured over HTTPS.
   * @throws {SessionStateError} for an SSL-only session on a plain-HTTP request.
   */
  start(options: { sslOnly?: boolean } = {}): this {
    this.#read();
    const sslOnly = options.sslOnly === true;
    if (sslOnly && this.#request.protocol !== 'https') {
      throw new SessionStateError('an SSL-only session can only start on an HTTPS request (check `trustProxy`)');
    }
    const state = this.#state;
    const nowMs = this.#ctx.opts.now();
    state.endCurrent(nowMs);
    state.reset();
    state.startNew(nowMs, this.#ctx.opts.lifetimeMs, sslOnly);
    state.changes.raise(ChangeLevel.durable);
    return this;
  }

  /** Ends the session: deletes its server-side copy and clears every session cookie. */
  terminate(): void {
    this.#read();
    const state = this.#state;
    state.endCurrent(this.#ctx.opts.now());
    state.reset();
    state.data = {};
    state.clearSlot();
  }

  /**
   * Gives the session a new id and keeps its expiry (call it on login to prevent fixation). For
   * `regenerateGrace` (default 10 s) a request still carrying the old id is answered with the old id's last
   * state, read-only, and sets no cookie; after that, or after `terminate()`, the old id is refused.
   * The new id is written to the other cookie slot, so an in-flight request that re-sets the old cookie
   * cannot replace the new one. On an inactive session it starts one first, so a first visit's login is a
   * regeneration too (sessions that parallel requests start cannot replace it).
   */
  regenerateId(options: RegenerateOptions = {}): this {
    this.#ensureData();
    const state = this.#state;
    const { opts } = this.#ctx;
    if (state.id === undefined) state.startNew(opts.now(), opts.lifetimeMs, false);
    if (state.readOnly) {
      this.#request.log.debug({ id: state.id }, 'gaes: regenerateId on a replaced session id ignored (grace period)');
      return this;
    }
    state.regenerate(opts.now(), opts.regenerateGraceMs, options.keepData !== false);
    return this;
  }

  /** Where the session's data lives: `'cookie'`, `'cache'`, `'datastore'`, or `undefined` (inactive or not loaded). */
  get tier(): SessionTier | undefined {
    this.#read();
    return this.#saved !== undefined ? this.#saved.tier : this.#state.origin;
  }

  /** How many cookies carried the session on this request (after saving: how many carry it now). */
  get cookieCount(): number {
    this.#read();
    return this.#saved !== undefined ? this.#saved.cookies : this.#present[this.#state.slot];
  }

  // ---- saving ------------------------------------------------------------------------------

  /**
   * @internal Called when the response keeps the session cookie as it was: a cookie this request had to
   * decrypt is cached, so the browser's next request with it skips decryption.
   */
  rememberCookie(): void {
    const incoming = this.#incoming;
    if (incoming?.kind !== 'valid' || incoming.opened === undefined || this.#state.id === undefined) return;
    const { value, ring, envelope, renew } = incoming.opened;
    this.#ctx.envelopes.set(value, ring, envelope, renew);
  }

  /** After a save that replaced the cookie: keeps the decrypted cookie only if it keeps coming back. */
  #rememberReplacedCookie(): void {
    const incoming = this.#incoming;
    if (incoming?.kind !== 'valid' || incoming.opened === undefined) return;
    const { value, ring, envelope, renew } = incoming.opened;
    if (this.#ctx.envelopes.seenBefore(value)) this.#ctx.envelopes.set(value, ring, envelope, renew);
  }

  /** @internal Whether {@link save} has anything to do (checked synchronously on every response). */
  needsSave(): boolean {
    if (this.#saved !== undefined || this.#incoming === undefined) return false;
    const state = this.#state;
    if (state.hasTasks) return true;
    const present = this.#present;
    const clears = (state.clearsSlot(0) && present[0] > 0) || (state.clearsSlot(1) && present[1] > 0);
    if (state.id === undefined) return clears;
    if (state.readOnly) {
      if (state.changes.level !== ChangeLevel.none) this.#request.log.debug({ id: state.id }, 'gaes: changes to a replaced session id dropped (grace period)');
      return false;
    }
    return state.mustWrite || clears;
  }

  /** @internal Saves once per request; called by the plugin's `onSend` hook. */
  async save(reply: FastifyReply): Promise<void> {
    if (this.#saved !== undefined || this.#incoming === undefined) return;
    this.#saved = { tier: this.#state.origin, cookies: this.#present[this.#state.slot] };
    const request = this.#request;
    const https = request.protocol === 'https' || secureByDefault(request, this.#ctx.onGoogleCloud);
    const userAgent = request.headers['user-agent'];
    const result = await saveSession(this.#state, this.#ctx, { https, present: this.#present, log: request.log, userAgent });
    this.#saved = { tier: result.tier, cookies: result.cookies };
    for (const h of result.headers) reply.header('set-cookie', h);
    if (result.headers.length > 0) this.#rememberReplacedCookie();
    else this.rememberCookie();
  }
}

export type { SessionData };
