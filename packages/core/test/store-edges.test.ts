import t from 'tap';
import { chooseTier, isVersionedStore, type SessionStore } from '../src/index.ts';

t.test('a store writes conditionally when it has both read and write as functions', async (t) => {
  const base: SessionStore = { get: async () => undefined, set: async () => {}, delete: async () => {} };
  const fn = async () => undefined;
  t.equal(isVersionedStore({ ...base, read: fn, write: fn } as SessionStore), true);
  t.equal(isVersionedStore(base), false, 'a plain store');
  t.equal(isVersionedStore({ ...base, read: fn } as SessionStore), false, 'read alone');
  t.equal(isVersionedStore({ ...base, write: fn } as SessionStore), false, 'write alone');
  t.equal(isVersionedStore({ ...base, read: 'yes', write: fn } as unknown as SessionStore), false, 'read that is not a function');
  t.equal(isVersionedStore({ ...base, read: fn, write: true } as unknown as SessionStore), false, 'write that is not a function');
});

t.test('a threshold of 0 keeps even empty data server-side', async (t) => {
  t.equal(chooseTier(0, 0), 'server');
  t.equal(chooseTier(0, 1), 'cookie');
});
