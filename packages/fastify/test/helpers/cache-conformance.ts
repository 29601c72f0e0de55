import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSessionId, type SessionStore } from '@gaes/core';
import { storeContract } from '@gaes/test-support/store-contract';
import type { Test } from 'tap';
import type { KeyvSessionStore, KeyvStoreOptions } from '../../src/keyv-store.ts';

/** Builds a store over one cache backend; every store from one factory shares that backend's Keyv. */
export type CacheStoreFactory = (options?: KeyvStoreOptions) => KeyvSessionStore;

/** What the suite may ask of the backend beyond the store. */
export interface ConformanceExtras {
  /** The time to live the server holds for a raw key, in ms (checks that TTL reaches the server). */
  readonly serverTtlMs?: ((key: string) => Promise<number | undefined>) | undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function newId(lifetimeMs = DAY_MS): { id: string; expiresAtMs: number } {
  const expiresAtMs = Date.now() + lifetimeMs;
  return { id: createSessionId(expiresAtMs, false), expiresAtMs };
}

async function roundTrip(t: Test, store: SessionStore, value: Uint8Array, what: string): Promise<void> {
  const { id, expiresAtMs } = newId();
  await store.set(id, value, expiresAtMs);
  const got = await store.get(id);
  t.ok(got instanceof Uint8Array, `${what}: a Uint8Array comes back`);
  t.equal(got?.byteLength, value.byteLength, `${what}: same length`);
  t.ok(got !== undefined && Buffer.compare(Buffer.from(got), Buffer.from(value)) === 0, `${what}: same bytes`);
}

/**
 * The cache tier's suite: the store contract every `SessionStore` keeps (`storeContract` from
 * @gaes/test-support: get/set/overwrite/delete, exact bytes, expired values not readable, ids apart, concurrent
 * sets, copies), then what is the cache's own: key prefixes, TTLs given to the server, sessions longer than
 * Memcached's 30-day limit, entries leaving once their TTL passed, and large values (512 KB).
 * Run it against every backend (in-memory Keyv, Redis, Memcached) with a factory over that backend.
 * @example cacheConformance(t, (o) => new KeyvSessionStore(keyv, o));
 */
export function cacheConformance(t: Test, factory: CacheStoreFactory, extras: ConformanceExtras = {}): void {
  storeContract(t, 'KeyvSessionStore: the store contract', () => factory(), { expired: 'hidden', versioned: false });

  t.test('a 512 KB value round-trips', async (t) => {
    await roundTrip(t, factory(), randomBytes(512 * 1024), '512 KB');
  });

  t.test('keys are namespaced by the prefix', async (t) => {
    const store = factory();
    const other = factory({ keyPrefix: 'other-app:' });
    const { id, expiresAtMs } = newId();
    await store.set(id, Uint8Array.of(7), expiresAtMs);
    t.equal(await other.get(id), undefined, 'another prefix does not see it');
    t.equal(await store.keyv.get(id), undefined, 'not stored under the bare id');
    t.not(await store.keyv.get(`gaes:${id}`), undefined, "stored under 'gaes:' + id");
    await store.keyv.set(id, 'the app’s own entry');
    t.same([...((await store.get(id)) ?? [])], [7], 'an app entry under the bare id does not clash');
    await store.keyv.delete(id);
  });

  t.test('TTL is the time to expiry, in whole seconds', async (t) => {
    const now = Date.now();
    const store = factory({ now: () => now });
    const { id } = newId();
    const before = Date.now();
    await store.set(id, Uint8Array.of(1), now + 90_500);
    const after = Date.now();
    const raw = await store.keyv.getRaw(`gaes:${id}`);
    const expires = raw?.expires ?? 0;
    t.ok(expires >= before + 91_000 && expires <= after + 91_000, 'Keyv expiry = time to expiry, rounded up to 91 s');
    if (extras.serverTtlMs !== undefined) {
      const serverTtl = (await extras.serverTtlMs(`gaes:${id}`)) ?? -1;
      t.ok(serverTtl > 80_000 && serverTtl <= 91_000, `the server holds a TTL of about 91 s (${serverTtl} ms)`);
    }
  });

  t.test('a session living longer than 30 days is still cached', async (t) => {
    const store = factory();
    const { id, expiresAtMs } = newId(90 * DAY_MS);
    await store.set(id, Uint8Array.of(42), expiresAtMs);
    t.same([...((await store.get(id)) ?? [])], [42], 'readable right after set');
    if (extras.serverTtlMs !== undefined) {
      const serverTtl = (await extras.serverTtlMs(`gaes:${id}`)) ?? -1;
      t.ok(serverTtl > 29 * DAY_MS, `the server keeps it for weeks (${Math.round(serverTtl / DAY_MS)} days)`);
    }
  });

  t.test('an entry disappears once its TTL has passed', async (t) => {
    const store = factory();
    const { id } = newId();
    await store.set(id, Uint8Array.of(1), Date.now() + 1000);
    t.not(await store.get(id), undefined, 'there before expiry');
    // Waits for the server's clock (bounded); asserts that it expires, not how fast.
    const serverTtlMs = extras.serverTtlMs;
    if (serverTtlMs !== undefined) {
      // Asked of the server directly: a Keyv read would delete the expired entry itself.
      // memcached's clock ticks once a second and lags under load: allow 15 s, still bounded.
      let dropped = false;
      for (let i = 0; i < 150 && !dropped; i++) {
        await sleep(100);
        dropped = (await serverTtlMs(`gaes:${id}`)) === undefined;
      }
      t.ok(dropped, 'the server dropped it');
    }
    let gone = false;
    for (let i = 0; i < 60 && !gone; i++) {
      gone = (await store.get(id)) === undefined;
      if (!gone) await sleep(100);
    }
    t.ok(gone, 'gone after its TTL');
  });
}
