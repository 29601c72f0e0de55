import {
  chooseTier,
  chunkedSetCookies,
  clearingSetCookie,
  createSessionId,
  decodeSessionData,
  decodeSessionText,
  encodeSessionData,
  type EnvelopeCache,
  type KeyRing,
  type SessionEnvelope,
  expiryState,
  needsTouch,
  openEnvelope,
  openStored,
  parseSessionId,
  readChunkedCookie,
  sealEnvelope,
  sealStored,
  serializeAttributes,
  SessionStateError,
  type SessionCookieAttributes,
  type SessionTier,
} from '@gaes/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ResolvedOptions } from './options.ts';
import type { SessionData, SessionKey, SessionValueOf } from './session-data.ts';
import type { TieredStore } from './tiered-store.ts';

/** What a session needs from the plugin: resolved options and the server-side tiers. */
export interface SessionContext {
  readonly opts: ResolvedOptions;
  readonly store: TieredStore;
  /** Recently opened or issued cookies, so a repeated cookie is not decrypted again. */
  readonly envelopes: EnvelopeCache;
}

type Data = Record<string, unknown>;

const CLEAN = 0;
const QUICK = 1;
const DURABLE = 2;

function setOwn(data: Data, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(data, key, { value, enumerable: true, writable: true, configurable: true });
  else data[key] = value;
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
  #read = false;
  #present = 0;
  #id: string | undefined;
  #expiresAtMs = 0;
  #sslOnly = false;
  #lastActiveMs = 0;
  #pending: Buffer | undefined;
  /** The pending data as text, when the cookie cache had it. */
  #pendingText: string | undefined;
  #data: Data | undefined;
  #origin: SessionTier | undefined;
  #pointer = false;
  #dirty = CLEAN;
  #newCookie = false;
  #renew = false;
  #touch = false;
  #clear = false;
  #deletes: string[] = [];
  #ended: string[] = [];
  #bestEffortDeletes: string[] = [];
  #saved = false;
  #opened: { value: string; ring: KeyRing; envelope: SessionEnvelope; renew: boolean } | undefined;
  #savedTier: SessionTier | undefined;
  #savedCookies = 0;

  constructor(request: FastifyRequest, ctx: SessionContext) {
    this.#request = request;
    this.#ctx = ctx;
  }

  // ---- reading -----------------------------------------------------------------------------

  #readCookie(): void {
    if (this.#read) return;
    this.#read = true;
    const { opts } = this.#ctx;
    const cookies = this.#request.cookies as Record<string, string | undefined> | undefined;
    if (cookies === undefined) return;
    const { value, present } = readChunkedCookie(cookies, opts.cookieName);
    this.#present = present;
    if (value === undefined) {
      if (present > 0) this.#reject('incomplete cookie chunks');
      return;
    }
    const ring = opts.keyring.current();
    let env: SessionEnvelope;
    let renew: boolean;
    const hit = this.#ctx.envelopes.get(value, ring);
    if (hit !== undefined) {
      env = hit.envelope;
      renew = hit.renew;
      this.#pendingText = hit.text;
    } else {
      const opened = openEnvelope(ring, value);
      if (!opened.ok) {
        this.#reject(opened.reason);
        return;
      }
      env = opened.envelope;
      renew = opened.renew;
      // Cached only if this response leaves the cookie as it is (see rememberCookie): a cookie that is
      // replaced right away would never be seen again.
      this.#opened = { value, ring, envelope: env, renew };
    }
    // An SSL-only session is never honoured over plain HTTP; its cookie is left alone.
    if (env.sslOnly && this.#request.protocol !== 'https') return;
    const now = opts.now();
    const state = expiryState(env, opts, now);
    if (state !== 'valid') {
      this.#reject(state);
      if (env.data === undefined) this.#bestEffortDeletes.push(env.id);
      return;
    }
    this.#id = env.id;
    this.#expiresAtMs = env.expiresAtMs;
    this.#sslOnly = env.sslOnly;
    this.#lastActiveMs = env.lastActiveMs;
    this.#renew = renew;
    this.#touch = needsTouch(env.lastActiveMs, opts, now);
    if (env.data === undefined) {
      this.#pointer = true;
    } else {
      this.#pending = env.data;
      this.#origin = 'cookie';
    }
  }

  #reject(reason: string): void {
    this.#clear = true;
    this.#request.log.debug({ reason }, 'gaes: session cookie rejected; starting fresh');
  }

  #ensureData(): Data {
    this.#readCookie();
    if (this.#data !== undefined) return this.#data;
    if (this.#pending !== undefined) {
      try {
        this.#data = this.#pendingText === undefined ? decodeSessionData(this.#pending) : decodeSessionText(this.#pendingText);
      } catch {
        this.#reset();
        this.#reject('undecodable data');
        this.#data = {};
      }
      return this.#data;
    }
    if (this.#pointer) {
      throw new SessionStateError(
        'this session lives server-side and is not loaded on this route (config.session is false): ' +
          'call `await request.session.load()` first',
      );
    }
    this.#data = {};
    return this.#data;
  }

  #reset(): void {
    this.#id = undefined;
    this.#pending = undefined;
    this.#pendingText = undefined;
    this.#pointer = false;
    this.#origin = undefined;
    this.#renew = false;
    this.#touch = false;
    this.#dirty = CLEAN;
    this.#newCookie = false;
  }

  /**
   * Loads server-side data (done for you before the handler unless the route sets `config.session: false`).
   * A session missing from every tier becomes a fresh, inactive one: its id is never reused.
   * @throws {StoreUnavailableError} when the stores cannot answer (the request fails with 503).
   */
  async load(): Promise<void> {
    this.#readCookie();
    if (!this.#pointer || this.#data !== undefined) return;
    const id = this.#id as string;
    const found = await this.#ctx.store.get(id);
    if (!this.#pointer || this.#id !== id) return; // changed meanwhile (e.g. terminate)
    const opened = found === undefined ? undefined : openStored(this.#ctx.opts.keyring.current(), id, found.value);
    if (found === undefined || opened === undefined || !opened.ok) {
      this.#request.log.debug({ reason: found === undefined ? 'missing' : 'unreadable' }, 'gaes: server-side session lost');
      this.#reset();
      this.#clear = true;
      return;
    }
    try {
      this.#data = decodeSessionData(opened.data);
    } catch {
      this.#reset();
      this.#reject('undecodable data');
      return;
    }
    this.#pointer = false;
    this.#origin = found.tier;
  }

  // ---- data --------------------------------------------------------------------------------

  /** The value under `key`, or `undefined`. */
  get<K extends SessionKey>(key: K): SessionValueOf<K> | undefined {
    const data = this.#ensureData();
    return (Object.hasOwn(data, key) ? data[key] : undefined) as SessionValueOf<K> | undefined;
  }

  /** Stores `value` under `key`, starting a session if none is active. Saved durably. */
  set<K extends SessionKey>(key: K, value: SessionValueOf<K>): this {
    this.#write(key, value, DURABLE);
    return this;
  }

  /** Like {@link set}, but the change goes to the cache only (no Datastore write) unless another change is durable. */
  setQuick<K extends SessionKey>(key: K, value: SessionValueOf<K>): this {
    this.#write(key, value, QUICK);
    return this;
  }

  #write(key: string, value: unknown, level: number): void {
    const data = this.#ensureData();
    if (this.#id === undefined) this.#startNew(false);
    setOwn(this.#data ?? data, key, value);
    if (this.#dirty < level) this.#dirty = level;
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
    this.#dirty = DURABLE;
    return true;
  }

  /** Removes `key` and returns its value (or `undefined`). */
  pop<K extends SessionKey>(key: K): SessionValueOf<K> | undefined {
    return this.#pop(key, DURABLE);
  }

  /** Like {@link pop}, but the change goes to the cache only unless another change is durable. */
  popQuick<K extends SessionKey>(key: K): SessionValueOf<K> | undefined {
    return this.#pop(key, QUICK);
  }

  #pop<K extends SessionKey>(key: K, level: number): SessionValueOf<K> | undefined {
    const data = this.#ensureData();
    if (!Object.hasOwn(data, key)) return undefined;
    const value = data[key];
    delete data[key];
    if (this.#dirty < level) this.#dirty = level;
    return value as SessionValueOf<K>;
  }

  /** Removes every key of an active session (the session stays active). */
  clear(): void {
    this.#ensureData();
    if (this.#id === undefined) return;
    this.#data = {};
    this.#dirty = DURABLE;
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
    this.#readCookie();
    return this.#id !== undefined;
  }

  /** The session id, or `undefined` when inactive. */
  get id(): string | undefined {
    this.#readCookie();
    return this.#id;
  }

  /** When the session expires (absolute lifetime), or `undefined` when inactive. */
  get expiresAt(): Date | undefined {
    this.#readCookie();
    return this.#id === undefined ? undefined : new Date(this.#expiresAtMs);
  }

  /** Whether the session may only be used over HTTPS. */
  isSslOnly(): boolean {
    this.#readCookie();
    return this.#id !== undefined && this.#sslOnly;
  }

  /**
   * Starts a new, empty session; an active one is discarded first (its server-side copy deleted).
   * @param options.sslOnly the session is only sent and honoured over HTTPS.
   * @throws {SessionStateError} for an SSL-only session on a plain-HTTP request.
   */
  start(options: { sslOnly?: boolean } = {}): this {
    this.#readCookie();
    const sslOnly = options.sslOnly === true;
    if (sslOnly && this.#request.protocol !== 'https') {
      throw new SessionStateError('an SSL-only session can only start on an HTTPS request (check `trustProxy`)');
    }
    this.#dropServerCopy();
    this.#reset();
    this.#startNew(sslOnly);
    this.#dirty = DURABLE;
    return this;
  }

  /** Ends the session: deletes its server-side copy and clears every session cookie. */
  terminate(): void {
    this.#readCookie();
    this.#dropServerCopy();
    this.#reset();
    this.#data = {};
    this.#clear = true;
  }

  /**
   * Gives the session a new id and keeps its data and expiry (call it on login to prevent fixation).
   * The old server-side copy is deleted. Does nothing on an inactive session.
   */
  regenerateId(): this {
    this.#ensureData();
    if (this.#id === undefined) return this;
    this.#dropServerCopy();
    this.#id = createSessionId(this.#expiresAtMs, this.#sslOnly);
    this.#origin = undefined;
    this.#newCookie = true;
    this.#dirty = DURABLE;
    return this;
  }

  /** Where the session's data lives: `'cookie'`, `'cache'`, `'datastore'`, or `undefined` (inactive or not loaded). */
  get tier(): SessionTier | undefined {
    this.#readCookie();
    return this.#savedTier ?? this.#origin;
  }

  /** How many cookies carried the session on this request (after saving: how many carry it now). */
  get cookieCount(): number {
    this.#readCookie();
    return this.#saved ? this.#savedCookies : this.#present;
  }

  /** Whether this request's session data came from (or, not yet loaded, lives in) a server-side store. */
  #fromServer(): boolean {
    return this.#pointer || this.#origin === 'cache' || this.#origin === 'datastore';
  }

  /** Whether the active session's cookie (and maybe its data) must be written. */
  #mustWrite(): boolean {
    return this.#dirty !== CLEAN || this.#newCookie || this.#renew || this.#touch;
  }

  #dropServerCopy(): void {
    if (this.#id !== undefined && this.#fromServer()) this.#ended.push(this.#id);
  }

  #startNew(sslOnly: boolean): void {
    const { opts } = this.#ctx;
    const now = opts.now();
    this.#id = createSessionId(now + opts.lifetimeMs, sslOnly);
    this.#expiresAtMs = parseSessionId(this.#id)?.expiresAtMs ?? now + opts.lifetimeMs;
    this.#sslOnly = sslOnly;
    this.#lastActiveMs = now;
    this.#data = {};
    this.#pending = undefined;
    this.#pendingText = undefined;
    this.#pointer = false;
    this.#origin = undefined;
    this.#newCookie = true;
  }

  // ---- saving ------------------------------------------------------------------------------

  /**
   * @internal Called when the response keeps the session cookie as it was: a cookie this request had to
   * decrypt is cached, so the browser's next request with it skips decryption.
   */
  rememberCookie(): void {
    const opened = this.#opened;
    if (opened === undefined || this.#id === undefined) return;
    this.#opened = undefined;
    this.#ctx.envelopes.set(opened.value, opened.ring, opened.envelope, opened.renew);
  }

  /** @internal Whether {@link save} has anything to do (checked synchronously on every response). */
  needsSave(): boolean {
    if (this.#saved || !this.#read) return false;
    if (this.#deletes.length > 0 || this.#ended.length > 0 || this.#bestEffortDeletes.length > 0) return true;
    if (this.#id === undefined) return this.#clear && this.#present > 0;
    return this.#mustWrite();
  }

  /** @internal Saves once per request; called by the plugin's `onSend` hook. */
  async save(reply: FastifyReply): Promise<void> {
    if (this.#saved || !this.#read) return;
    this.#saved = true;
    const headers = await this.#saveToStores();
    for (const h of headers) reply.header('set-cookie', h);
  }

  async #saveToStores(): Promise<string[]> {
    const { opts, store } = this.#ctx;
    const attrs = this.#attributes();
    const headers: string[] = [];
    const id = this.#id;
    if (id === undefined) {
      await this.#runDeletes();
      if (this.#clear) for (let i = 0; i < this.#present; i++) headers.push(clearingSetCookie(`${opts.cookieName}${i}`, attrs));
      this.#savedCookies = 0;
      return headers;
    }
    if (!this.#mustWrite()) {
      await this.#runDeletes();
      this.#savedCookies = this.#present;
      return headers;
    }
    const now = opts.now();
    const ring = opts.keyring.current();
    const maxAge = (this.#expiresAtMs - now) / 1000;
    const attributes = serializeAttributes(attrs, maxAge);
    let cookieValue: string | undefined;
    if (this.#dirty === CLEAN && !this.#newCookie) {
      // Only the cookie needs renewing (new key or idle touch): re-seal it with the bytes it carried
      // (or as a pointer again), without encoding the data or writing any store.
      cookieValue = sealEnvelope(ring, id, now, this.#pending, opts.algorithm);
    } else {
      const bytes = encodeSessionData(this.#data ?? {});
      const tier = chooseTier(bytes.byteLength, opts.cookieOnlyThreshold, opts.maxSessionBytes);
      if (tier === 'cookie') {
        cookieValue = sealEnvelope(ring, id, now, bytes, opts.algorithm);
        if (this.#fromServer()) this.#deletes.push(id);
        this.#savedTier = 'cookie';
      } else {
        const durable = this.#dirty === DURABLE;
        const existing = !this.#newCookie && this.#fromServer();
        try {
          this.#savedTier = await store.set(id, sealStored(ring, id, bytes, opts.algorithm), this.#expiresAtMs, durable, existing);
        } catch (err) {
          if ((err as { code?: unknown }).code !== 'ERR_GAES_SESSION_ENDED') throw err;
          // Another request ended this session while this one ran: its changes are dropped with it.
          this.#request.log.debug({ id }, 'gaes: session ended by a concurrent request; changes dropped');
          this.#reset();
          this.#savedTier = undefined;
          this.#clear = true;
          return this.#saveToStores();
        }
        if (this.#newCookie || this.#origin === 'cookie' || this.#renew || this.#touch) {
          cookieValue = sealEnvelope(ring, id, now, undefined, opts.algorithm);
        }
      }
    }
    await this.#runDeletes();
    if (cookieValue === undefined) {
      this.#savedCookies = this.#present;
      return headers;
    }
    headers.push(...chunkedSetCookies(opts.cookieName, cookieValue, attributes));
    this.#savedCookies = headers.length;
    for (let i = headers.length; i < this.#present; i++) headers.push(clearingSetCookie(`${opts.cookieName}${i}`, attrs));
    return headers;
  }

  async #runDeletes(): Promise<void> {
    if (this.#deletes.length === 0 && this.#ended.length === 0 && this.#bestEffortDeletes.length === 0) return;
    const { store } = this.#ctx;
    for (const id of this.#ended) await store.end(id);
    for (const id of this.#bestEffortDeletes) {
      await store.delete(id).catch((err: unknown) => this.#request.log.warn({ err }, 'gaes: could not delete an expired session'));
    }
    for (const id of this.#deletes) await store.delete(id);
  }

  #attributes(): SessionCookieAttributes {
    const c = this.#ctx.opts.cookie;
    const secure = this.#sslOnly || c.secure === true || (c.secure === 'auto' && this.#request.protocol === 'https');
    return { path: c.path, domain: c.domain, sameSite: c.sameSite, secure, partitioned: c.partitioned };
  }
}

export type { SessionData };
