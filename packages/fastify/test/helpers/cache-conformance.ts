import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSessionId, type SessionStore } from '@gaes/core';
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

/** Every byte value 0–255, then the same reversed. */
export function allByteValues(): Uint8Array {
  const bytes = new Uint8Array(512);
  for (let i = 0; i < 256; i++) {
    bytes[i] = i;
    bytes[511 - i] = i;
  }
  return bytes;
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
 * The shared conformance suite of the cache tier: get/set/delete, namespacing, TTL and expiry, binary
 * values (every byte value, random bytes, views into larger buffers) and large values (512 KB).
 * Run it against every backend (in-memory Keyv, Redis, Memcached) with a factory over that backend.
 * @example cacheConformance(t, (o) => new KeyvSessionStore(keyv, o));
 */
export function cacheConformance(t: Test, factory: CacheStoreFactory, extras: ConformanceExtras = {}): void {
  t.test('get of an unknown id is undefined', async (t) => {
    const store = factory();
    t.equal(await store.get(newId().id), undefined);
  });

  t.test('set, get, overwrite, delete', async (t) => {
    const store = factory();
    const { id, expiresAtMs } = newId();
    await store.set(id, Uint8Array.of(1, 2, 3), expiresAtMs);
    t.same([...((await store.get(id)) ?? [])], [1, 2, 3]);
    await store.set(id, Uint8Array.of(9), expiresAtMs);
    t.same([...((await store.get(id)) ?? [])], [9], 'overwrite replaces');
    await store.delete(id);
    t.equal(await store.get(id), undefined, 'gone after delete');
    await t.resolves(store.delete(id), 'deleting an absent id is no error');
  });

  t.test('binary values round-trip exactly', async (t) => {
    const store = factory();
    await roundTrip(t, store, allByteValues(), 'all 256 byte values');
    for (const size of [1, 2, 3, 31, 1000, 65_536]) await roundTrip(t, store, randomBytes(size), `${size} random bytes`);
    // Bytes that spell what serializers look for: a base64 tag, JSON, a leading colon, UTF-8 fragments.
    for (const text of [':base64:AAAA', '{"value":1,"expires":2}', '::x', 'null', '\u0000\u00ff\ud7ff']) {
      await roundTrip(t, store, Buffer.from(text, 'utf8'), JSON.stringify(text));
    }
    await roundTrip(t, store, Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1]), 'invalid UTF-8');
    const big = randomBytes(100);
    await roundTrip(t, store, big.subarray(10, 20), 'a view into a larger buffer');
  });

  t.test('a 512 KB value round-trips', async (t) => {
    await roundTrip(t, factory(), randomBytes(512 * 1024), '512 KB');
  });

  t.test('many concurrent calls each get their own value', async (t) => {
    const store = factory();
    const entries = Array.from({ length: 40 }, () => ({ ...newId(), value: randomBytes(64) }));
    await Promise.all(entries.map((e) => store.set(e.id, e.value, e.expiresAtMs)));
    const got = await Promise.all(entries.map((e) => store.get(e.id)));
    t.ok(
      got.every((g, i) => g !== undefined && Buffer.compare(Buffer.from(g), entries[i]!.value) === 0),
      'every get returned its own bytes',
    );
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

  t.test('an already expired session is deleted, not written', async (t) => {
    const store = factory();
    const { id, expiresAtMs } = newId();
    await store.set(id, Uint8Array.of(1), expiresAtMs);
    await store.set(id, Uint8Array.of(2), Date.now() - 1);
    t.equal(await store.get(id), undefined, 'the old value is gone and the new one was not written');
    await store.set(id, Uint8Array.of(3), Date.now());
    t.equal(await store.get(id), undefined, 'expiring right now counts as expired');
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
