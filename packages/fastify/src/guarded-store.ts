import { isVersionedStore, type SessionStore, type UserDirectory, type VersionedSessionStore } from '@gaes/core';
import type { CircuitBreaker } from './breaker.ts';

/** A key no session uses (ids are 43 characters of digits, `_`/`S` and hex): what a breaker's probe reads. */
export const PROBE_ID = 'gaes-probe';

/**
 * `store` behind `breaker`: every call goes through {@link CircuitBreaker.run}, so while the tier is known to
 * be down, calls fail at once instead of waiting for their timeouts. Conditional writes stay available when
 * the store has them.
 */
export function guardStore(store: SessionStore, breaker: CircuitBreaker): SessionStore {
  const guarded: SessionStore = {
    get: (id) => breaker.run(() => store.get(id)),
    set: (id, value, expiresAtMs) => breaker.run(() => store.set(id, value, expiresAtMs)),
    delete: (id) => breaker.run(() => store.delete(id)),
  };
  if (!isVersionedStore(store)) return guarded;
  const versioned: VersionedSessionStore = {
    ...guarded,
    read: (id) => breaker.run(() => store.read(id)),
    write: (id, value, expiresAtMs, basedOn) => breaker.run(() => store.write(id, value, expiresAtMs, basedOn)),
  };
  return versioned;
}

/** `directory` behind the breaker of the tier it lives in (Datastore). */
export function guardDirectory(directory: UserDirectory, breaker: CircuitBreaker | undefined): UserDirectory {
  if (breaker === undefined) return directory;
  return {
    put: (record) => breaker.run(() => directory.put(record)),
    get: (handle) => breaker.run(() => directory.get(handle)),
    delete: (handle) => breaker.run(() => directory.delete(handle)),
    list: (userId) => breaker.run(() => directory.list(userId)),
    revoke: (userId, change, nowMs) => breaker.run(() => directory.revoke(userId, change, nowMs)),
    changedSince: (sinceMs, nowMs) => breaker.run(() => directory.changedSince(sinceMs, nowMs)),
  };
}
