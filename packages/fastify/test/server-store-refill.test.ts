/**
 * A cache refill the cache refuses (a StoreRejectedError: too large for it) is reported once per session, not on
 * every read; any other refill failure is reported every time.
 */
import { createSessionId, StoreRejectedError, StoreUnavailableError, type SessionRecord, type SessionStore } from '@gaes/core';
import t from 'tap';
import { ServerStore } from '../src/server-store.ts';

const record = { rev: 1 } as SessionRecord;

function storeWithCacheFailing(failure: () => Error): { store: ServerStore; warnings: string[] } {
  const warnings: string[] = [];
  const cache: SessionStore = {
    get: async () => undefined,
    set: async () => {
      throw failure();
    },
    delete: async () => undefined,
  };
  const durable: SessionStore = { get: async () => new Uint8Array([1, 2, 3]), set: async () => undefined, delete: async () => undefined };
  const store = new ServerStore({
    cache,
    durable,
    codec: { seal: () => new Uint8Array([1, 2, 3]), open: () => record },
    log: { warn: (_obj, msg) => void warnings.push(msg) },
  });
  return { store, warnings };
}

t.test('a refill refused as too large is reported once per id', async (t) => {
  const { store, warnings } = storeWithCacheFailing(() => new StoreRejectedError('too large for the cache'));
  const [a, b] = [createSessionId(Date.now() + 60_000, false), createSessionId(Date.now() + 60_000, false)];
  for (let i = 0; i < 3; i++) t.match(await store.load(a, 0), { tier: 'datastore' });
  await store.load(b, 0);
  t.same(warnings, ['gaes: could not refill the session cache', 'gaes: could not refill the session cache'], 'one for a, one for b');
});

t.test('other refill failures are reported every time', async (t) => {
  const { store, warnings } = storeWithCacheFailing(() => new StoreUnavailableError('cache down'));
  const id = createSessionId(Date.now() + 60_000, false);
  for (let i = 0; i < 3; i++) await store.load(id, 0);
  t.equal(warnings.length, 3);
});
