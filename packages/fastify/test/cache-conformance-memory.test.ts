import { createKeyv, Keyv } from 'keyv';
import t from 'tap';
import { KeyvSessionStore } from '../src/keyv-store.ts';
import { cacheConformance } from './helpers/cache-conformance.ts';

t.test('new Keyv() (the default cache: JSON serializer, in memory)', async (t) => {
  const keyv = new Keyv();
  cacheConformance(t, (options) => new KeyvSessionStore(keyv, { timeoutMs: 10_000, ...options }));
});

t.test('createKeyv(new Map()) (no serializer: values kept as objects)', async (t) => {
  const keyv = createKeyv(new Map());
  cacheConformance(t, (options) => new KeyvSessionStore(keyv, { timeoutMs: 10_000, ...options }));
});
