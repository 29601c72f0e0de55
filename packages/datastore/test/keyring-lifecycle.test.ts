import t from 'tap';
import { ConfigError } from '@gaes/core';
import { classifyKeys, planRetire, planRotate, type StoredKey } from '../src/keyring/lifecycle.ts';

const policy = { propagationMs: 300_000, lifetimeMs: 7 * 86_400_000 };
const key = (id: string, createdAtMs: number, bootstrap = false): StoredKey => ({ id, createdAtMs, wrapped: 'w2.x', ...(bootstrap ? { bootstrap } : {}) });
/** A key factory for planRotate, as the commands pass one (it is told whether the key is a bootstrap key). */
const make = (id: string, createdAtMs: number) => (bootstrap: boolean) => key(id, createdAtMs, bootstrap);
const roles = (keys: StoredKey[], now: number) => Object.fromEntries(classifyKeys(keys, policy, now).map((s) => [s.id, s.role]));

t.test('the first key seals at once; a new key is staged for the propagation window, then primary', async (t) => {
  const a = key('a', 0, true);
  t.same(roles([a], 0), { a: 'primary' });
  const b = key('b', 1_000_000);
  t.same(roles([a, b], 1_000_000), { a: 'primary', b: 'staged' });
  t.same(roles([a, b], 1_000_000 + 299_999), { a: 'primary', b: 'staged' });
  t.same(roles([a, b], 1_300_000), { a: 'previous', b: 'primary' }, 'exactly at the end of the window');
  const status = classifyKeys([a, b], policy, 1_300_000).find((s) => s.id === 'a');
  t.equal(status?.supersededAtMs, 1_300_000);
  t.equal(status?.removableAtMs, 1_300_000 + policy.lifetimeMs);
  t.same(roles([a, b], 1_300_000 + policy.lifetimeMs - 1), { a: 'previous', b: 'primary' });
  t.same(roles([a, b], 1_300_000 + policy.lifetimeMs), { a: 'expired', b: 'primary' }, 'after one session lifetime');
});

t.test('rotate is idempotent while a key is staged, and drops expired keys', async (t) => {
  const a = key('a', 0, true);
  const first = planRotate([a], policy, 10, make('b', 10));
  t.equal(first.action, 'created');
  const again = planRotate(first.keys, policy, 20, make('c', 20));
  t.equal(again.action, 'already-staged');
  t.same(again.keys.map((k) => k.id), ['a', 'b']);
  const later = planRotate(first.keys, policy, 10 + policy.propagationMs + policy.lifetimeMs, make('d', 0));
  t.equal(later.action, 'created');
  t.same(later.keys.map((k) => k.id), ['b', 'd'], 'a expired and is gone');
  t.equal(planRotate([], policy, 5, make('z', 5)).keys[0]?.bootstrap, true, 'the first key of a ring is a bootstrap key');
  t.notOk(first.keys[1]?.bootstrap, 'later keys are not');
});

t.test('retire removes only expired keys, or a previous key when forced', async (t) => {
  const keys = [key('a', 0, true), key('b', 1_000)];
  const now = 1_000 + policy.propagationMs + 10;
  t.same(planRetire(keys, policy, now).removed, [], 'a still opens sessions sealed before b took over');
  t.same(planRetire(keys, policy, now + policy.lifetimeMs).removed, ['a']);
  t.same(planRetire(keys, policy, now, { keyId: 'a' }).removed, ['a'], 'forced');
  t.throws(() => planRetire(keys, policy, now, { keyId: 'b' }), /primary/);
  t.throws(() => planRetire(keys, policy, now, { keyId: 'nope' }), /no key/);
  t.throws(() => planRetire([...keys, key('c', now)], policy, now, { keyId: 'c' }), /staged/);
});

t.test('only staged keys (clock skew): the oldest seals', async (t) => {
  t.same(roles([key('a', 1000), key('b', 2000)], 0), { a: 'primary', b: 'staged' });
});

t.test('a forced retire that cannot be done is a ConfigError', async (t) => {
  const keys = [key('a', 0, true), key('b', 1_000), key('c', 5_000)];
  const now = 1_000 + policy.propagationMs + 10;
  for (const keyId of ['b', 'c', 'nope']) t.throws(() => planRetire(keys, policy, now, { keyId }), ConfigError, keyId);
});
