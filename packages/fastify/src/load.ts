import { decodeSessionData, needsTouch } from '@gaes/core';
import type { SessionContext } from './session-context.ts';
import type { SessionState } from './session-state.ts';

/** What loading a server-side session did. */
export type LoadOutcome =
  | { readonly kind: 'loaded' | 'nothing' }
  /** No tier has it (or a copy that does not open, or an id whose grace period is over): a fresh session. */
  | { readonly kind: 'lost'; readonly reason: 'missing' | 'unreadable' | 'replaced' }
  /** It is there but refused: idle on the server, or data that does not decode. Its cookies are cleared. */
  | { readonly kind: 'rejected'; readonly reason: 'idle' | 'undecodable data' };

/**
 * Loads the server-side data of a session whose cookie points there, into `state`. The idle timeout of a
 * server-side session is judged here, from its record (never from the copy of the cookie the request
 * carried); an idle session's copies are deleted. A replaced id inside its grace period loads read-only.
 * @throws {StoreUnavailableError} when the stores cannot answer
 */
export async function loadServerSide(state: SessionState, ctx: SessionContext): Promise<LoadOutcome> {
  if (!state.needsLoad || state.data !== undefined) return { kind: 'nothing' };
  const id = state.id as string;
  const cookieActiveMs = state.meta.lastActiveMs;
  const found = await ctx.store.load(id, state.meta.rev);
  if (!state.needsLoad || state.id !== id) return { kind: 'nothing' }; // changed meanwhile (e.g. terminate)
  const { opts } = ctx;
  const nowMs = opts.now();
  const successor = found === undefined || found === 'unreadable' ? undefined : found.record.successor;
  if (found === undefined || found === 'unreadable' || (successor !== undefined && !(nowMs < successor.untilMs))) {
    state.reset();
    return { kind: 'lost', reason: found === 'unreadable' ? 'unreadable' : found === undefined ? 'missing' : 'replaced' };
  }
  const { record } = found;
  const lastActiveMs = Number.isNaN(record.lastActiveMs) ? cookieActiveMs : record.lastActiveMs;
  if (opts.idleTimeoutMs > 0 && !(nowMs < lastActiveMs + opts.idleTimeoutMs)) {
    state.reset();
    state.queue('expired', id);
    return { kind: 'rejected', reason: 'idle' };
  }
  let data: Record<string, unknown>;
  try {
    data = decodeSessionData(record.data);
  } catch {
    state.reset();
    return { kind: 'rejected', reason: 'undecodable data' };
  }
  state.adoptRecord(record, data, found.tier, found.version, lastActiveMs);
  state.touch = successor === undefined && needsTouch(lastActiveMs, opts, nowMs);
  state.userSeen = successor === undefined && ctx.users.seen.due(state.meta, nowMs);
  return { kind: 'loaded' };
}
