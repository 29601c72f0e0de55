import {
  expiryState,
  lineageTag,
  openEnvelope,
  readChunkedCookie,
  type EnvelopeCache,
  type ExpiryRule,
  type KeyRing,
  type SessionEnvelope,
} from '@gaes/core';

/**
 * A session's cookies live in one of two slots, `<name>0…` and `<name>_0…`: `regenerateId()` moves the
 * session to the other slot, so a request that was in flight during a login and re-sets the old cookie
 * cannot overwrite the new one; the reader then keeps the cookie that names the other as its predecessor.
 */
export type Slot = 0 | 1;

/** Chunks present per slot (to clear stale ones). */
export type Presence = readonly [number, number];

/** A cookie this request had to decrypt: cached once the response shows it stays in use. */
export interface OpenedCookie {
  readonly value: string;
  readonly ring: KeyRing;
  readonly envelope: SessionEnvelope;
  readonly renew: boolean;
}

/** What the request's session cookies say, before any data is decoded or any store is read. */
export type Incoming =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'rejected';
      readonly reason: string;
      readonly present: Presence;
      /** The id of a pointer cookie whose absolute expiry has passed: its server-side copies can go. */
      readonly expiredPointerId: string | undefined;
    }
  /** An SSL-only session on a plain-HTTP request: not honoured, and its cookie left alone. */
  | { readonly kind: 'ignored'; readonly present: Presence }
  | {
      readonly kind: 'valid';
      readonly slot: Slot;
      readonly envelope: SessionEnvelope;
      /** Opened with an older key: re-seal with the current one. */
      readonly renew: boolean;
      readonly present: Presence;
      /** The data as text, when the cookie cache had it (decoded without converting bytes). */
      readonly text: string | undefined;
      /** Set when this request decrypted the cookie itself (see {@link OpenedCookie}). */
      readonly opened: OpenedCookie | undefined;
      /** The other slot, when it holds cookies that lost (stale, invalid, or the replaced session): to clear. */
      readonly loser: Slot | undefined;
    };

/** What reading the cookies needs. */
export interface IncomingContext {
  readonly names: readonly [string, string];
  readonly ring: KeyRing;
  readonly envelopes: EnvelopeCache;
  readonly rule: ExpiryRule;
  readonly nowMs: number;
  readonly https: boolean;
  /** Which user-bound sessions were ended by `endSession`/`endAllSessions` (the user directory). */
  readonly revocations?: { isRevoked(envelope: SessionEnvelope): boolean } | undefined;
}

type Opened = { ok: true; envelope: SessionEnvelope; renew: boolean; text: string | undefined; opened: OpenedCookie | undefined } | { ok: false; reason: string };

function open(value: string, ctx: IncomingContext): Opened {
  const hit = ctx.envelopes.get(value, ctx.ring);
  if (hit !== undefined) return { ok: true, envelope: hit.envelope, renew: hit.renew, text: hit.text, opened: undefined };
  const result = openEnvelope(ctx.ring, value);
  if (!result.ok) return result;
  const { envelope, renew } = result;
  return { ok: true, envelope, renew, text: undefined, opened: { value, ring: ctx.ring, envelope, renew } };
}

/**
 * Which of two valid sessions the browser holds is the current one: the one that names the other as its
 * predecessor; for unrelated sessions, one made by a login (a regeneration) over one that was not, and of two
 * logins the later user binding (a switch of user whose old session a parallel response re-set); else the
 * first slot.
 */
function winner(a: SessionEnvelope, b: SessionEnvelope): Slot {
  if (b.predecessor?.tag === lineageTag(a.id)) return 1;
  if (a.predecessor?.tag === lineageTag(b.id)) return 0;
  if ((a.predecessor === undefined) !== (b.predecessor === undefined)) return b.predecessor === undefined ? 0 : 1;
  return (b.user?.sinceMs ?? 0) > (a.user?.sinceMs ?? 0) ? 1 : 0;
}

/**
 * Reads the session cookies of a request (both slots), opens them (through the cache of opened cookies)
 * and judges them: absolute expiry always, the idle timeout for cookie-tier sessions (a server-side
 * session's activity is judged from its server-side record, never from whatever copy of a cookie arrives).
 */
export function readIncoming(cookies: Readonly<Record<string, string | undefined>> | undefined, ctx: IncomingContext): Incoming {
  if (cookies === undefined) return { kind: 'none' };
  const first = readChunkedCookie(cookies, ctx.names[0]);
  const second = readChunkedCookie(cookies, ctx.names[1]);
  const present: Presence = [first.present, second.present];
  if (first.present === 0 && second.present === 0) return { kind: 'none' };
  const a = first.value === undefined ? undefined : open(first.value, ctx);
  const b = second.value === undefined ? undefined : open(second.value, ctx);
  let slot: Slot;
  if (a?.ok === true && b?.ok === true) slot = winner(a.envelope, b.envelope);
  else if (a?.ok === true) slot = 0;
  else if (b?.ok === true) slot = 1;
  else {
    const reason = (a?.ok === false ? a.reason : undefined) ?? (b?.ok === false ? b.reason : undefined) ?? 'incomplete cookie chunks';
    return { kind: 'rejected', reason, present, expiredPointerId: undefined };
  }
  const chosen = (slot === 0 ? a : b) as Extract<Opened, { ok: true }>;
  const { envelope } = chosen;
  if (envelope.sslOnly && !ctx.https) return { kind: 'ignored', present };
  const pointer = envelope.data === undefined;
  const state = pointer ? (ctx.nowMs < envelope.expiresAtMs ? 'valid' : 'expired') : expiryState(envelope, ctx.rule, ctx.nowMs);
  if (state !== 'valid') {
    return { kind: 'rejected', reason: state, present, expiredPointerId: pointer ? envelope.id : undefined };
  }
  if (envelope.user !== undefined && ctx.revocations?.isRevoked(envelope) === true) {
    return { kind: 'rejected', reason: 'revoked', present, expiredPointerId: undefined };
  }
  const other: Slot = slot === 0 ? 1 : 0;
  return {
    kind: 'valid',
    slot,
    envelope,
    renew: chosen.renew,
    present,
    text: chosen.text,
    opened: chosen.opened,
    loser: present[other] > 0 ? other : undefined,
  };
}
