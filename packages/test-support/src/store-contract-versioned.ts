/**
 * The conditional-write part of the store contract, for stores that are a `VersionedSessionStore`: what lets
 * parallel requests merge their changes instead of overwriting each other (see `@gaes/core`'s `store.ts`).
 */
import { isVersionedStore, type SessionStore, type VersionedSessionStore, type VersionedWrite } from '@gaes/core';
import type { Test } from 'tap';
import { freshId, sameBytes } from './store-values.ts';

/** The version a write returned; fails `t` (and gives `''`) when the write was refused. */
function versionOf(t: Test, result: VersionedWrite, what: string): string {
  t.equal(result.written, true, `${what}: written`);
  if (!result.written) return '';
  t.equal(typeof result.version, 'string', `${what}: the version is a string`);
  t.not(result.version, '', `${what}: the version is not empty`);
  return result.version;
}

/** Checks that `store` holds exactly `value` at `version` for `id`, by `read` and by `get`. */
async function holds(t: Test, store: VersionedSessionStore, id: string, value: Uint8Array, version: string, what: string): Promise<void> {
  const read = await store.read(id);
  t.equal(read?.version, version, `${what}: read gives the version the write returned`);
  t.ok(sameBytes(read?.value, value), `${what}: read gives the value`);
  t.ok(sameBytes(await store.get(id), value), `${what}: get gives the value`);
}

/**
 * Runs the conditional-write contract on the stores `factory` builds (each must be a `VersionedSessionStore`):
 * `read` gives the version `write` returned; a write based on the current version succeeds with a new version;
 * one based on an older version is refused (`{ written: false }`) and applies nothing; after a delete, a write
 * based on the version from before it is refused; an unconditional write always succeeds. Versions are opaque:
 * only compared for equality, never parsed or ordered.
 */
export function versionedStoreContract(t: Test, factory: () => SessionStore | Promise<SessionStore>): void {
  const versioned = async (): Promise<VersionedSessionStore> => {
    const store = await factory();
    if (!isVersionedStore(store)) throw new Error('versionedStoreContract needs a VersionedSessionStore');
    return store;
  };

  t.test('conditional writes', async (t) => {
    t.test('read of an unknown id is undefined', async (t) => {
      const store = await versioned();
      t.equal(await store.read(freshId().id), undefined);
    });

    t.test('read gives the version write returned', async (t) => {
      const store = await versioned();
      const { id, expiresAtMs } = freshId();
      const first = versionOf(t, await store.write(id, Uint8Array.of(1), expiresAtMs), 'an unconditional write');
      await holds(t, store, id, Uint8Array.of(1), first, 'after the first write');
      t.equal((await store.read(id))?.version, first, 'reading again does not change the version');
      await store.set(id, Uint8Array.of(2), expiresAtMs);
      const afterSet = (await store.read(id))?.version;
      t.not(afterSet, first, 'a set is a write too: the version moves on');
    });

    t.test('a write based on the current version succeeds and returns a new version', async (t) => {
      const store = await versioned();
      const { id, expiresAtMs } = freshId();
      const first = versionOf(t, await store.write(id, Uint8Array.of(1), expiresAtMs), 'the first write');
      const second = versionOf(t, await store.write(id, Uint8Array.of(2, 2), expiresAtMs, first), 'based on the current version');
      t.not(second, first, 'a new version');
      await holds(t, store, id, Uint8Array.of(2, 2), second, 'after the conditional write');
      const third = versionOf(t, await store.write(id, Uint8Array.of(3), expiresAtMs, second), 'based on the version just returned');
      t.ok(third !== first && third !== second, 'every write a version of its own');
    });

    t.test('a write based on an older version is refused and applies nothing', async (t) => {
      const store = await versioned();
      const { id, expiresAtMs } = freshId();
      const first = versionOf(t, await store.write(id, Uint8Array.of(1), expiresAtMs), 'the first write');
      const second = versionOf(t, await store.write(id, Uint8Array.of(2), expiresAtMs, first), 'the second write');
      t.same(await store.write(id, Uint8Array.of(3), expiresAtMs, first), { written: false }, 'based on an older version: refused');
      await holds(t, store, id, Uint8Array.of(2), second, 'after the refused write');
    });

    t.test('after a delete, a write based on the version before it is refused', async (t) => {
      const store = await versioned();
      const { id, expiresAtMs } = freshId();
      const before = versionOf(t, await store.write(id, Uint8Array.of(1), expiresAtMs), 'the write before the delete');
      await store.delete(id);
      t.same(await store.write(id, Uint8Array.of(4), expiresAtMs, before), { written: false }, 'a deleted value: refused');
      t.equal(await store.read(id), undefined, 'still deleted (read)');
      t.equal(await store.get(id), undefined, 'still deleted (get)');
    });

    t.test('an unconditional write always succeeds', async (t) => {
      const store = await versioned();
      const { id, expiresAtMs } = freshId();
      const created = versionOf(t, await store.write(id, Uint8Array.of(1), expiresAtMs), 'on an unknown id');
      const moved = versionOf(t, await store.write(id, Uint8Array.of(2), expiresAtMs, created), 'a conditional write');
      t.same(await store.write(id, Uint8Array.of(3), expiresAtMs, created), { written: false }, 'a stale conditional write is refused');
      const over = versionOf(t, await store.write(id, Uint8Array.of(5), expiresAtMs), 'over a newer version');
      t.not(over, moved, 'a new version');
      await holds(t, store, id, Uint8Array.of(5), over, 'after the unconditional write');
      await store.delete(id);
      const again = versionOf(t, await store.write(id, Uint8Array.of(6), expiresAtMs), 'after a delete');
      await holds(t, store, id, Uint8Array.of(6), again, 'after writing a deleted id again');
    });

    t.test('versions are per id', async (t) => {
      const store = await versioned();
      const a = freshId();
      const b = freshId();
      const va = versionOf(t, await store.write(a.id, Uint8Array.of(1), a.expiresAtMs), 'id a');
      const vb = versionOf(t, await store.write(b.id, Uint8Array.of(2), b.expiresAtMs), 'id b');
      versionOf(t, await store.write(a.id, Uint8Array.of(3), a.expiresAtMs, va), 'a write to a based on its version');
      await holds(t, store, b.id, Uint8Array.of(2), vb, 'b, after a write to a');
    });
  });
}
