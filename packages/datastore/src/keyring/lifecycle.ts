/**
 * The key-rotation lifecycle, as pure functions of the stored keys and the clock, so every instance
 * that reads the same ring at the same time agrees on each key's role without any coordination:
 *
 * - a key is **staged** for `propagationMs` after it is created: every instance accepts it (they all
 *   refresh more often than that) but none seals with it yet;
 * - then it is **active**; the newest active key is the **primary** (it seals), older active keys are
 *   **previous** (they still open);
 * - a previous key is superseded when the next key became active; once a whole session lifetime has passed
 *   since then, no valid session can have been sealed with it, and it is **expired**: it opens nothing any
 *   more (at once, on every instance), and `retire` removes it from the entity.
 *
 * The first key of an empty ring is active at once (no session can exist before it).
 */
export interface StoredKey {
  /** Random key id (hex). It, `createdAtMs`, `bootstrap` and the ring's policy are bound into the wrapping. */
  readonly id: string;
  /** When the key was added, in ms since the epoch. */
  readonly createdAtMs: number;
  /** The first key of a ring: active from creation. */
  readonly bootstrap?: boolean;
  /** The data key, wrapped with the master secret (see `wrap.ts`). */
  readonly wrapped: string;
}

import { ConfigError, parseDuration, type Duration } from '@gaes/core';

/** The timing rules of a key ring. */
export interface KeyRingPolicy {
  /** How long a new key is staged before it seals; must exceed every instance's refresh interval. */
  readonly propagationMs: number;
  /** The session lifetime: how long a superseded key must keep opening cookies. */
  readonly lifetimeMs: number;
}

/**
 * The timing rules for a ring being created: `propagation` defaults to 5 minutes, `lifetime` (the sessions'
 * lifetime) to 7 days. `name` says how an option is called where it came from, for error messages.
 * @throws {ConfigError} for a bad duration.
 */
export function newRingPolicy(
  options: { readonly propagation?: Duration | undefined; readonly lifetime?: Duration | undefined },
  name: (option: 'propagation' | 'lifetime') => string,
): KeyRingPolicy {
  return {
    propagationMs: parseDuration(options.propagation ?? '5m', name('propagation')),
    lifetimeMs: parseDuration(options.lifetime ?? '7d', name('lifetime')),
  };
}

/**
 * A key's role: `staged`, `primary` and `previous` keys open cookies, only the primary seals; `expired` keys
 * open nothing. `refused` keys do not unwrap (see `KeyUnwrapError`) and are never used; {@link classifyKeys}
 * never gives that role: the ring's readers add it.
 */
export type KeyRole = 'staged' | 'primary' | 'previous' | 'expired' | 'refused';

/** A key with its role at a given time. */
export interface KeyStatus {
  readonly id: string;
  readonly role: KeyRole;
  readonly createdAtMs: number;
  /** When the key starts (or started) sealing. */
  readonly activeAtMs: number;
  /** When a newer key took over sealing (previous and expired keys). */
  readonly supersededAtMs?: number;
  /** When `retire` may remove the key (previous and expired keys). */
  readonly removableAtMs?: number;
}

function activeAt(key: StoredKey, policy: KeyRingPolicy): number {
  return key.bootstrap === true ? key.createdAtMs : key.createdAtMs + policy.propagationMs;
}

/** Every key's role at `nowMs`, primary first, then staged, then previous and expired (newest first). */
export function classifyKeys(keys: readonly StoredKey[], policy: KeyRingPolicy, nowMs: number): KeyStatus[] {
  const sorted = [...keys].sort((a, b) => activeAt(b, policy) - activeAt(a, policy) || b.createdAtMs - a.createdAtMs);
  const out: KeyStatus[] = [];
  let newerActiveAt: number | undefined;
  let havePrimary = false;
  for (const key of sorted) {
    const at = activeAt(key, policy);
    if (at > nowMs) {
      out.push({ id: key.id, role: 'staged', createdAtMs: key.createdAtMs, activeAtMs: at });
      continue;
    }
    if (!havePrimary) {
      havePrimary = true;
      out.push({ id: key.id, role: 'primary', createdAtMs: key.createdAtMs, activeAtMs: at });
    } else {
      const supersededAtMs = newerActiveAt as number;
      const removableAtMs = supersededAtMs + policy.lifetimeMs;
      out.push({
        id: key.id,
        role: removableAtMs <= nowMs ? 'expired' : 'previous',
        createdAtMs: key.createdAtMs,
        activeAtMs: at,
        supersededAtMs,
        removableAtMs,
      });
    }
    newerActiveAt = at;
  }
  if (!havePrimary && out.length > 0) {
    // Only staged keys (e.g. the clock went back): seal with the oldest, which everyone accepts.
    const oldest = out[out.length - 1] as KeyStatus;
    out[out.length - 1] = { ...oldest, role: 'primary' };
  }
  const order: Record<KeyRole, number> = { primary: 0, staged: 1, previous: 2, expired: 3, refused: 4 };
  return out.sort((a, b) => order[a.role] - order[b.role] || b.activeAtMs - a.activeAtMs);
}

/** What `rotate` decided. */
export type RotateOutcome =
  | { readonly action: 'created'; readonly keys: StoredKey[] }
  | { readonly action: 'already-staged'; readonly stagedId: string; readonly activeAtMs: number; readonly keys: StoredKey[] };

/**
 * Adds a key made by `newKey` as staged — unless a staged key is already waiting, which makes rotating
 * idempotent within a propagation window. Expired keys are dropped on the way. `newKey` is told whether
 * the key is the ring's first (a bootstrap key, active at once), which its wrapping must bind.
 */
export function planRotate(
  keys: readonly StoredKey[],
  policy: KeyRingPolicy,
  nowMs: number,
  newKey: (bootstrap: boolean) => StoredKey,
): RotateOutcome {
  const statuses = classifyKeys(keys, policy, nowMs);
  const staged = statuses.find((s) => s.role === 'staged');
  const kept = keys.filter((k) => statuses.find((s) => s.id === k.id)?.role !== 'expired');
  if (staged !== undefined) return { action: 'already-staged', stagedId: staged.id, activeAtMs: staged.activeAtMs, keys: kept };
  return { action: 'created', keys: [...kept, newKey(keys.length === 0)] };
}

/** What `retire` removed. */
export interface RetireOutcome {
  readonly removed: string[];
  readonly keys: StoredKey[];
}

/**
 * Removes expired keys; with `force`, also the given previous key before its sessions expired (those
 * sessions end: use it for a leaked key). The primary and staged keys are never removed.
 * @throws {ConfigError} when `force` names a key that is not a previous or expired key.
 */
export function planRetire(
  keys: readonly StoredKey[],
  policy: KeyRingPolicy,
  nowMs: number,
  force?: { readonly keyId: string },
): RetireOutcome {
  const statuses = classifyKeys(keys, policy, nowMs);
  if (force !== undefined) {
    const target = statuses.find((s) => s.id === force.keyId);
    if (target === undefined) throw new ConfigError(`no key ${force.keyId} in the ring`);
    if (target.role === 'primary' || target.role === 'staged') {
      throw new ConfigError(`key ${force.keyId} is the ${target.role} key: rotate first, then retire it once a newer key is primary`);
    }
  }
  const removed = statuses.filter((s) => s.role === 'expired' || s.id === force?.keyId).map((s) => s.id);
  return { removed, keys: keys.filter((k) => !removed.includes(k.id)) };
}
