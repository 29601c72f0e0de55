/**
 * The contract every {@link SessionStore} keeps, as one tap suite that every store runs (as keyv's adapters
 * share one test suite): the cache tier over each Keyv backend, the Datastore store, and the in-memory doubles
 * that plugin tests put in their place. A store that can write conditionally (`isVersionedStore`) also runs
 * the conditional-write contract (`store-contract-versioned.ts`).
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { createSessionId, isVersionedStore, type SessionStore } from '@gaes/core';
import type { Test } from 'tap';
import { versionedStoreContract } from './store-contract-versioned.ts';
import { DAY_MS, freshId, sameBytes } from './store-values.ts';

/** Builds the store under test; called once for each part of the contract. */
export type StoreFactory<S extends SessionStore = SessionStore> = () => S | Promise<S>;

/** What a store declares about itself where the contract allows a choice. */
export interface StoreContractOptions {
  /**
   * What `set` with an `expiresAtMs` that has already passed leaves readable:
   * - `'hidden'`: nothing (a cache deletes the id instead of writing; an in-memory store stops returning it);
   * - `'kept'`: the value, until something sweeps it (Datastore: `deleteExpiredSessions` or a TTL policy). The
   *   caller judges expiry itself, from the id and the record; the doubles that stand for Datastore do the same.
   * @default 'hidden'
   */
  readonly expired?: 'hidden' | 'kept';
  /**
   * Whether the store is a `VersionedSessionStore`. When given it is checked, so a store cannot leave the
   * conditional-write contract unnoticed; either way the store's own `isVersionedStore` decides what runs.
   */
  readonly versioned?: boolean;
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

/** `id` with its last hex digit changed: the same expiry prefix, one character apart. */
function neighbourOf(id: string): string {
  const last = id.at(-1) === '0' ? '1' : '0';
  return id.slice(0, -1) + last;
}

/** `id` with the other SSL flag: the same expiry and random part. */
function otherFlagOf(id: string): string {
  return id.slice(0, 10) + (id[10] === 'S' ? '_' : 'S') + id.slice(11);
}

async function roundTrip(t: Test, store: SessionStore, value: Uint8Array, what: string): Promise<void> {
  const { id, expiresAtMs } = freshId();
  await store.set(id, value, expiresAtMs);
  const got = await store.get(id);
  t.ok(got instanceof Uint8Array, `${what}: a Uint8Array comes back`);
  t.equal(got?.byteLength, value.byteLength, `${what}: same length`);
  t.ok(sameBytes(got, value), `${what}: same bytes`);
}

/**
 * Runs the contract of {@link SessionStore} on the stores `factory` builds, as a subtest of `t` named `name`:
 * a missing id reads as `undefined`; values round-trip byte for byte (empty, 1 byte, every byte value, random
 * sizes up to ~100 KB, bytes that spell what serializers look for, a view into a larger buffer); set overwrites;
 * delete removes (a missing id is no error); an expiry already past is handled as `options.expired` says;
 * distinct ids never collide, even one character apart; concurrent sets of different ids all land; values are
 * copies in both directions. A `VersionedSessionStore` also runs {@link versionedStoreContract}.
 *
 * @example
 * storeContract(t, 'DatastoreSessionStore', () => new DatastoreSessionStore({ datastore, namespace: freshNamespace() }), {
 *   expired: 'kept',
 *   versioned: true,
 * });
 */
export function storeContract(t: Test, name: string, factory: StoreFactory, options: StoreContractOptions = {}): void {
  const expired = options.expired ?? 'hidden';
  t.test(name, async (t) => {
    if (options.versioned !== undefined) {
      t.equal(isVersionedStore(await factory()), options.versioned, options.versioned ? 'a VersionedSessionStore' : 'not a VersionedSessionStore');
    }

    t.test('get of an unknown id is undefined', async (t) => {
      const store = await factory();
      t.equal(await store.get(freshId().id), undefined);
    });

    t.test('set, get, overwrite, delete', async (t) => {
      const store = await factory();
      const { id, expiresAtMs } = freshId();
      await store.set(id, Uint8Array.of(1, 2, 3), expiresAtMs);
      t.same([...((await store.get(id)) ?? [])], [1, 2, 3]);
      await store.set(id, Uint8Array.of(9), expiresAtMs);
      t.same([...((await store.get(id)) ?? [])], [9], 'overwrite replaces');
      await store.set(id, randomBytes(300), expiresAtMs);
      await store.set(id, Uint8Array.of(4, 5), expiresAtMs);
      t.same([...((await store.get(id)) ?? [])], [4, 5], 'a shorter value replaces a longer one whole');
      await store.delete(id);
      t.equal(await store.get(id), undefined, 'gone after delete');
      await t.resolves(store.delete(id), 'deleting an absent id is no error');
      await t.resolves(store.delete(freshId().id), 'deleting an id never written is no error');
    });

    t.test('binary values round-trip exactly', async (t) => {
      const store = await factory();
      await roundTrip(t, store, new Uint8Array(0), 'empty');
      await roundTrip(t, store, Uint8Array.of(0), 'one zero byte');
      await roundTrip(t, store, allByteValues(), 'all 256 byte values');
      for (const size of [1, 2, 3, 31, 1000, 65_536]) await roundTrip(t, store, randomBytes(size), `${size} random bytes`);
      await roundTrip(t, store, randomBytes(100 * 1024), '100 KB');
      // Bytes that spell what serializers look for: a base64 tag, JSON, a leading colon, UTF-8 fragments.
      for (const text of [':base64:AAAA', '{"value":1,"expires":2}', '::x', 'null', '\u0000\u00ff\ud7ff']) {
        await roundTrip(t, store, Buffer.from(text, 'utf8'), JSON.stringify(text));
      }
      await roundTrip(t, store, Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1]), 'invalid UTF-8');
      const big = randomBytes(100);
      await roundTrip(t, store, big.subarray(10, 20), 'a view into a larger buffer');
    });

    t.test('an already expired session is not readable afterwards', { skip: expired === 'kept' && 'the store keeps expired values until swept' }, async (t) => {
      const store = await factory();
      const { id, expiresAtMs } = freshId();
      await store.set(id, Uint8Array.of(1), expiresAtMs);
      await store.set(id, Uint8Array.of(2), Date.now() - 1);
      t.equal(await store.get(id), undefined, 'the old value is gone and the new one was not written');
      await store.set(id, Uint8Array.of(3), Date.now());
      t.equal(await store.get(id), undefined, 'expiring right now counts as expired');
      const fresh = freshId().id;
      await store.set(fresh, Uint8Array.of(4), Date.now() - DAY_MS);
      t.equal(await store.get(fresh), undefined, 'a new id set already expired is not readable');
    });

    t.test('an already expired session is kept until swept', { skip: expired === 'hidden' && 'the store hides expired values' }, async (t) => {
      const store = await factory();
      const { id, expiresAtMs } = freshId();
      await store.set(id, Uint8Array.of(1), expiresAtMs);
      await store.set(id, Uint8Array.of(2), Date.now() - 1);
      t.same([...((await store.get(id)) ?? [])], [2], 'written: the caller judges expiry');
      await store.delete(id);
      t.equal(await store.get(id), undefined, 'and deleted like any other');
    });

    t.test('distinct ids do not collide', async (t) => {
      const store = await factory();
      const { id, expiresAtMs } = freshId();
      const ids = [id, neighbourOf(id), otherFlagOf(id), createSessionId(expiresAtMs, false)];
      t.equal(new Set(ids).size, ids.length, 'four different ids');
      for (const [i, each] of ids.entries()) await store.set(each, Uint8Array.of(i, i), expiresAtMs);
      for (const [i, each] of ids.entries()) t.same([...((await store.get(each)) ?? [])], [i, i], `id ${i} reads its own value`);
      await store.delete(id);
      t.equal(await store.get(id), undefined, 'the deleted id is gone');
      for (const each of ids.slice(1)) t.not(await store.get(each), undefined, 'the others stay');
    });

    t.test('many concurrent calls each get their own value', async (t) => {
      const store = await factory();
      const entries = Array.from({ length: 40 }, () => ({ ...freshId(), value: randomBytes(64) }));
      await Promise.all(entries.map((e) => store.set(e.id, e.value, e.expiresAtMs)));
      const got = await Promise.all(entries.map((e) => store.get(e.id)));
      t.ok(
        got.every((g, i) => sameBytes(g, entries[i]!.value)),
        'every get returned its own bytes',
      );
      await Promise.all(entries.slice(0, 20).map((e) => store.delete(e.id)));
      const after = await Promise.all(entries.map((e) => store.get(e.id)));
      t.ok(
        after.every((g, i) => (i < 20 ? g === undefined : sameBytes(g, entries[i]!.value))),
        'concurrent deletes remove exactly their own ids',
      );
    });

    t.test('values are copies', async (t) => {
      const store = await factory();
      const { id, expiresAtMs } = freshId();
      const input = Uint8Array.of(1, 2, 3, 4);
      await store.set(id, input, expiresAtMs);
      input.fill(0);
      t.same([...((await store.get(id)) ?? [])], [1, 2, 3, 4], 'changing the input after set does not change what is stored');
      const got = await store.get(id);
      got?.fill(9);
      t.same([...((await store.get(id)) ?? [])], [1, 2, 3, 4], 'changing what get returned does not change the store');
    });

    const probe = await factory();
    if (isVersionedStore(probe)) {
      versionedStoreContract(t, factory);
    } else {
      t.comment(`${name} is not a VersionedSessionStore: the conditional-write contract does not apply`);
    }
  });
}
