/** Why a session is no longer valid, or `'valid'`. */
export type ExpiryState = 'valid' | 'expired' | 'idle';

/** The expiry rules, enforced on the server from sealed values (never from cookie attributes). */
export interface ExpiryRule {
  /** Idle timeout in ms; 0 turns it off. */
  readonly idleTimeoutMs: number;
}

/**
 * A session is valid while `now < expiresAtMs` (absolute lifetime) and, with an idle timeout,
 * while `now < lastActiveMs + idleTimeoutMs`. Both bounds are exclusive: at the instant itself it has expired.
 */
export function expiryState(
  session: { readonly expiresAtMs: number; readonly lastActiveMs: number },
  rule: ExpiryRule,
  nowMs: number,
): ExpiryState {
  if (!(nowMs < session.expiresAtMs)) return 'expired';
  if (rule.idleTimeoutMs > 0 && !(nowMs < session.lastActiveMs + rule.idleTimeoutMs)) return 'idle';
  return 'valid';
}

/**
 * Whether a valid session should be re-saved only to record activity: with an idle timeout, once a tenth
 * of it (at least one second) has passed since the last save. This keeps writes rare while the session is busy.
 */
export function needsTouch(lastActiveMs: number, rule: ExpiryRule, nowMs: number): boolean {
  if (rule.idleTimeoutMs <= 0) return false;
  return nowMs - lastActiveMs >= Math.max(1000, rule.idleTimeoutMs / 10);
}
