import {
  chooseTier,
  decodeSessionData,
  encodeSessionData,
  sealEnvelope,
  type KeyRing,
  type SealAlgorithm,
  type SessionRecord,
  type SessionTier,
} from '@gaes/core';
import type { FastifyBaseLogger } from 'fastify';
import { ChangeLevel } from './changes.ts';
import type { Presence, Slot } from './incoming.ts';
import type { Rebase } from './server-store.ts';
import type { SessionContext } from './session-context.ts';
import type { SessionState } from './session-state.ts';
import { clearSlot, secureCookies, writeSlot } from './set-cookies.ts';

/** What a save needs to know about the request. */
export interface SaveRequest {
  /** Whether `Secure` is due for `cookie.secure: 'auto'`. */
  readonly https: boolean;
  /** Chunks of each cookie slot the request carried. */
  readonly present: Presence;
  readonly log: FastifyBaseLogger;
  /** For a user-bound session's record. */
  readonly userAgent: string | undefined;
}

/** What a save did: the Set-Cookie headers to send, where the data lives now and in how many cookies. */
export interface SaveResult {
  readonly headers: string[];
  readonly tier: SessionTier | undefined;
  readonly cookies: number;
}

/** What writing the data produced. */
type Written =
  /** A new cookie value (the data itself, or a pointer to where it was stored). */
  | { readonly kind: 'cookie'; readonly value: string; readonly tier: SessionTier | undefined }
  /** Nothing to write, or changes dropped (the id was replaced meanwhile): the cookie stays as it is. */
  | { readonly kind: 'unchanged'; readonly tier: SessionTier | undefined }
  /** Another request ended the session meanwhile: its changes are dropped and its cookies cleared. */
  | { readonly kind: 'ended' };

/**
 * Saves a session once, when the response is sent: writes the data where it belongs (cookies, or the
 * server-side tiers, merging with parallel requests), then ends or supersedes the ids it replaced and deletes
 * copies that moved, and returns the Set-Cookie headers. A new id is written before its old id is ended, so a
 * failure leaves the old session intact.
 */
export async function saveSession(state: SessionState, ctx: SessionContext, request: SaveRequest): Promise<SaveResult> {
  const { https, present, log } = request;
  const nowMs = ctx.opts.now();
  let written: Written = { kind: 'unchanged', tier: state.origin };
  if (state.id !== undefined && state.readOnly) {
    if (state.changes.level !== ChangeLevel.none) log.debug({ id: state.id }, 'gaes: changes to a replaced session id dropped (grace period)');
  } else if (state.id !== undefined && state.mustWrite) {
    const recordUser = state.userChanged || state.cookieChanged || state.userSeen;
    written = await writeData(state, ctx, nowMs, log);
    if (written.kind === 'cookie' && recordUser) await registerUserSession(state, ctx, nowMs, request);
  }
  await runQueues(state, ctx, log);

  const secure = secureCookies(ctx.cookies, state.sslOnly, https);
  if (written.kind === 'ended') {
    log.debug({ id: state.id }, 'gaes: session ended by a concurrent request; changes dropped');
    state.reset();
    state.clearSlot();
  }
  const headers: string[] = [];
  if (state.id === undefined) {
    for (const slot of [0, 1] as const) if (state.clearsSlot(slot)) headers.push(...clearSlot(ctx.cookies, slot, secure, present));
    return { headers, tier: undefined, cookies: 0 };
  }
  let cookies = present[state.slot];
  if (written.kind === 'cookie') {
    const slot = writeSlot(ctx.cookies, state.slot, written.value, secure, (state.expiresAtMs - nowMs) / 1000, present);
    headers.push(...slot.headers);
    cookies = slot.chunks;
  }
  const other: Slot = state.slot === 0 ? 1 : 0;
  if (state.clearsSlot(other) && !state.readOnly) headers.push(...clearSlot(ctx.cookies, other, secure, present));
  return { headers, tier: written.kind === 'ended' ? undefined : written.tier, cookies };
}

async function writeData(state: SessionState, ctx: SessionContext, nowMs: number, log: FastifyBaseLogger): Promise<Written> {
  const { opts } = ctx;
  const ring = opts.keyring.current();
  const id = state.id as string;
  const dataUnchanged = state.changes.level === ChangeLevel.none && !state.cookieChanged && !state.userChanged;
  if (dataUnchanged && (state.origin === 'cookie' || state.needsLoad || (!state.touch && !state.userSeen))) {
    // Only the cookie needs re-sealing (a new key, or activity recorded in a cookie-tier session): its data
    // (or pointer) is sealed again as it came, without decoding or encoding anything.
    if (state.touch) state.meta.lastActiveMs = nowMs;
    if (state.userSeen && state.meta.user !== undefined) state.meta.user = { ...state.meta.user, seenAtMs: nowMs };
    const bytes = state.origin === 'cookie' ? (state.pending?.bytes ?? encodeSessionData(state.data ?? {})) : undefined;
    return { kind: 'cookie', ...issue(state, ring, bytes, opts.algorithm), tier: state.origin };
  }
  const bytes = encodeSessionData(state.data ?? {});
  const tier = chooseTier(bytes.byteLength, opts.cookieOnlyThreshold, opts.maxSessionBytes);
  state.meta.lastActiveMs = nowMs;
  if (state.userSeen && state.meta.user !== undefined) state.meta.user = { ...state.meta.user, seenAtMs: nowMs };
  if (tier === 'cookie') {
    if (state.fromServer) state.queue('movedToCookies', id);
    state.meta.rev = 0;
    return { kind: 'cookie', ...issue(state, ring, bytes, opts.algorithm), tier: 'cookie' };
  }
  const base = state.fromServer ? state.base : undefined;
  const record: SessionRecord = { ...state.meta, rev: (base?.rev ?? 0) + 1, successor: undefined, data: bytes };
  // Activity and "last seen" alone are quick writes; anything else is durable.
  const durable = state.changes.level === ChangeLevel.durable || state.cookieChanged || state.userChanged || state.origin === 'cookie';
  const outcome = await ctx.store.save(id, record, state.expiresAtMs, { durable, base, rebase: rebaseOnto(state, ctx) });
  if (!outcome.saved) {
    if (outcome.reason === 'ended') return { kind: 'ended' };
    log.debug({ id }, 'gaes: the session id was replaced by another request; changes dropped (grace period)');
    return { kind: 'unchanged', tier: state.origin };
  }
  state.meta.rev = outcome.record.rev;
  state.meta.user = outcome.record.user;
  return { kind: 'cookie', ...issue(state, ring, undefined, opts.algorithm), tier: outcome.tier };
}

/** Seals the session's cookie (`data` undefined: a pointer). */
function issue(state: SessionState, ring: KeyRing, data: Buffer | undefined, algorithm: SealAlgorithm): { value: string } {
  return { value: sealEnvelope(ring, state.id as string, state.meta, data, algorithm) };
}

/** Replays this request's changes onto a newer stored record (see `ChangeSet.applyTo`); a replaced id drops them. */
function rebaseOnto(state: SessionState, ctx: SessionContext): Rebase {
  return (latest) => {
    if (latest.successor !== undefined) return undefined;
    const data = state.changes.applyTo(decodeSessionData(latest.data), state.data ?? {});
    const bytes = encodeSessionData(data);
    chooseTier(bytes.byteLength, ctx.opts.cookieOnlyThreshold, ctx.opts.maxSessionBytes);
    return {
      ...latest,
      rev: latest.rev + 1,
      lastActiveMs: Math.max(latest.lastActiveMs, state.meta.lastActiveMs),
      user: state.userChanged ? state.meta.user : latest.user,
      data: bytes,
    };
  };
}

/**
 * Writes the record a user's session list shows (bound, given a new id, or seen again). A failure is logged,
 * not fatal: the session works and is still ended by `endAllSessions`; its next "seen" update writes it again.
 */
async function registerUserSession(state: SessionState, ctx: SessionContext, nowMs: number, request: SaveRequest): Promise<void> {
  const user = state.meta.user;
  if (user === undefined || state.id === undefined) return;
  const record = {
    handle: state.meta.handle,
    userId: user.id,
    sessionId: state.id,
    createdAtMs: user.sinceMs,
    lastSeenAtMs: nowMs,
    expiresAtMs: state.expiresAtMs,
    userAgent: request.userAgent?.slice(0, 256),
  };
  await ctx.users.directory.put(record).catch((err: unknown) => request.log.warn({ err }, "gaes: could not record a user's session"));
}

/** Ends, supersedes and deletes what this request replaced; a failed delete of an expired copy is only logged. */
async function runQueues(state: SessionState, ctx: SessionContext, log: FastifyBaseLogger): Promise<void> {
  const { store } = ctx;
  if (state.superseded !== undefined) await store.supersede(state.superseded.id, state.superseded.record);
  for (const id of state.idsToEnd) await store.end(id);
  for (const id of state.expiredIds) {
    await store.discard(id).catch((err: unknown) => log.warn({ err }, 'gaes: could not delete an expired session'));
  }
  for (const id of state.idsMovedToCookies) await store.discard(id);
  for (const handle of state.handlesToForget) {
    await ctx.users.directory.delete(handle).catch((err: unknown) => log.warn({ err }, "gaes: could not remove an ended session from its user's list"));
  }
}
