/**
 * The in-memory stores plugin tests use in place of real tiers keep the same store contract as the real ones
 * (@gaes/test-support's storeContract), so what a plugin test shows with them holds for Datastore and the caches.
 */
import t from 'tap';
import { storeContract } from '@gaes/test-support/store-contract';
import { KeyvSessionStore } from '../src/keyv-store.ts';
import { CountingStore } from './helpers/app.ts';
import { MemoryDurableStore } from './helpers/cache-app.ts';
import { fakeCache } from './helpers/fake-cache.ts';

// Stands for Datastore: versioned, and expired values stay until deleted (the plugin judges expiry).
storeContract(t, 'CountingStore', () => new CountingStore(), { expired: 'kept', versioned: true });

storeContract(t, 'MemoryDurableStore', () => new MemoryDurableStore(), { expired: 'hidden', versioned: false });

storeContract(t, "KeyvSessionStore over the fake cache, mode 'up'", () => {
  const { keyv, adapter } = fakeCache();
  adapter.mode = 'up';
  return new KeyvSessionStore(keyv, { timeoutMs: 10_000 });
}, { expired: 'hidden', versioned: false });
