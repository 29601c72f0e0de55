/**
 * Tombstones and fences in the shared cache, seen by two instances (two ServerStores over one cache and one
 * durable store): an older cache write that lands after a merged one is dropped, and a save that finds its
 * session ended undoes itself.
 */
import { createSessionId, parseSessionId, type SessionRecord, type SessionStore } from '@gaes/core';
import t from 'tap';
import { CacheGuards } from '../src/cache-guards.ts';
import { ServerStore, type SaveOptions } from '../src/server-store.ts';
import { CountingStore } from './helpers/app.ts';
import { MemoryDurableStore } from './helpers/cache-app.ts';

/** A cache whose next write of one key can be held back until released. */
class GatedCache extends MemoryDurableStore {
  #held: { key: string; gate: Promise<void> } | undefined;

  hold(key: string): () => void {
    let release = (): void => undefined;
    this.#held = { key, gate: new Promise<void>((resolve) => (release = resolve)) };
    return release;
  }

  override async set(id: string, value: Uint8Array, expiresAtMs: number): Promise<void> {
    const held = this.#held;
    if (held?.key === id) {
      this.#held = undefined;
      await held.gate;
    }
    await super.set(id, value, expiresAtMs);
  }
}

/** Records carry their revision alone; "sealed" bytes are the revision's digits. */
const codec = {
  seal: (_id: string, record: SessionRecord) => new TextEncoder().encode(String(record.rev)),
  open: (_id: string, sealed: Uint8Array) => ({ rev: Number(new TextDecoder().decode(sealed)) }) as SessionRecord,
};
const log = { warn: (): void => undefined };

function instances(): { cache: GatedCache; durable: CountingStore; a: ServerStore; b: ServerStore } {
  const cache = new GatedCache();
  const durable = new CountingStore();
  return { cache, durable, a: new ServerStore({ cache, durable, codec, log }), b: new ServerStore({ cache, durable, codec, log }) };
}

const rec = (rev: number): SessionRecord => ({ rev }) as SessionRecord;
const nextRev: SaveOptions['rebase'] = (latest) => rec(latest.rev + 1);

t.test('an older cache write landing after a merged write is dropped, so readers go to Datastore', async (t) => {
  const { cache, a, b } = instances();
  const id = createSessionId(Date.now() + 60_000, false);
  const expires = Date.now() + 60_000;
  t.match(await a.save(id, rec(1), expires, { durable: true, base: undefined, rebase: nextRev }), { saved: true });
  const loaded = await a.load(id, 1);
  if (loaded === undefined || loaded === 'unreadable') throw new Error('not loaded');
  const base = { version: loaded.version, rev: 1 };

  // Instance B writes revision 2 to Datastore, but its cache write is slow.
  const release = cache.hold(id);
  const slow = b.save(id, rec(2), expires, { durable: true, base, rebase: nextRev });
  await new Promise((resolve) => setTimeout(resolve, 20));
  // Instance A, from the same base, loses the conditional write, merges onto revision 2 and writes 3.
  t.match(await a.save(id, rec(2), expires, { durable: true, base, rebase: nextRev }), { saved: true, record: { rev: 3 } });
  t.ok(cache.data.has(`fence:${id}`), 'the merged write left a fence');
  release();
  t.match(await slow, { saved: true, record: { rev: 2 } }, 'B believes it saved (its durable write stood)');

  t.notOk(cache.data.has(id), "B's late cache entry (revision 2) was dropped on seeing the newer fence");
  t.match(await b.load(id, 0), { tier: 'datastore', record: { rev: 3 } }, 'a reader gets the merged revision');
});

t.test('a save of a session ended meanwhile undoes itself', async (t) => {
  const { cache, durable, a, b } = instances();
  const id = createSessionId(Date.now() + 60_000, false);
  const expires = Date.now() + 60_000;
  await a.save(id, rec(1), expires, { durable: false, base: undefined, rebase: nextRev });
  const release = cache.hold(id);
  const late = a.save(id, rec(2), expires, { durable: false, base: { version: undefined, rev: 1 }, rebase: nextRev });
  await new Promise((resolve) => setTimeout(resolve, 20));
  await b.end(id);
  release();
  t.match(await late, { saved: false, reason: 'ended' });
  t.notOk(cache.data.has(id), 'no session entry');
  t.notOk(durable.data.has(id), 'no durable copy');
  t.ok(cache.data.has(`ended:${id}`), 'the tombstone stays');
  t.equal(await b.load(id, 0), undefined);
});

t.test('CacheGuards', async (t) => {
  const cache = new MemoryDurableStore();
  const guards = new CacheGuards(cache);
  const id = createSessionId(Date.now() + 60_000, false);
  const expires = Date.now() + 60_000;
  await cache.set(id, new Uint8Array([7]), expires);

  t.equal(await guards.endedSince(id, 1), false, 'nothing marked');
  await guards.fence(id, 5, expires);
  t.equal(await guards.endedSince(id, 5), false);
  t.ok(cache.data.has(id), 'a fence at the written revision leaves the entry');
  t.equal(await guards.endedSince(id, 6), false);
  t.ok(cache.data.has(id), 'a fence older than the written revision leaves the entry');
  t.equal(await guards.endedSince(id, 4), false);
  t.notOk(cache.data.has(id), 'a fence newer than the written revision drops the entry');

  const fenceRev = (await cache.get(`fence:${id}`)) as Uint8Array;
  t.same([...fenceRev], [0, 0, 0, 5], 'the fence holds the revision as 4 bytes');
  await guards.fence(id, 70_000, expires);
  await cache.set(id, new Uint8Array([7]), expires);
  t.equal(await guards.endedSince(id, 69_999), false);
  t.notOk(cache.data.has(id), 'revisions beyond 16 bits compare whole');

  // A fence key holding something else (another writer's format, a corrupted value) is no fence.
  await cache.set(`fence:${id}`, new Uint8Array([9]), expires);
  await cache.set(id, new Uint8Array([7]), expires);
  t.equal(await guards.endedSince(id, 1), false, 'a malformed fence does not throw');
  t.ok(cache.data.has(id), 'and drops nothing');

  await guards.markEnded(id);
  t.equal(await guards.endedSince(id, 1), true, 'a tombstone means ended');
  t.equal(cache.data.get(`ended:${id}`)?.expiresAtMs, parseSessionId(id)?.expiresAtMs, 'kept until the id expires');

  const failing: SessionStore = {
    get: async () => {
      throw new Error('down');
    },
    set: async () => undefined,
    delete: async () => undefined,
  };
  t.equal(await new CacheGuards(failing).endedSince(id, 1), false, 'a cache that cannot answer does not undo a write');
});
