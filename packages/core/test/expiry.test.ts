import t from 'tap';
import { expiryState, needsTouch } from '../src/expiry.ts';

t.test('absolute expiry: valid strictly before, expired at the instant', async (t) => {
  const s = { expiresAtMs: 10_000, lastActiveMs: 0 };
  t.equal(expiryState(s, { idleTimeoutMs: 0 }, 9_999), 'valid');
  t.equal(expiryState(s, { idleTimeoutMs: 0 }, 10_000), 'expired');
  t.equal(expiryState(s, { idleTimeoutMs: 0 }, 10_001), 'expired');
});

t.test('idle timeout', async (t) => {
  const s = { expiresAtMs: 1_000_000, lastActiveMs: 5_000 };
  t.equal(expiryState(s, { idleTimeoutMs: 1_000 }, 5_999), 'valid');
  t.equal(expiryState(s, { idleTimeoutMs: 1_000 }, 6_000), 'idle');
  t.equal(expiryState(s, { idleTimeoutMs: 0 }, 900_000), 'valid', 'off by default');
  t.equal(expiryState({ expiresAtMs: 1, lastActiveMs: 0 }, { idleTimeoutMs: 1_000 }, 1), 'expired', 'absolute wins');
});

t.test('activity is recorded at most every tenth of the idle timeout', async (t) => {
  t.equal(needsTouch(0, { idleTimeoutMs: 0 }, 1e9), false);
  t.equal(needsTouch(0, { idleTimeoutMs: 60_000 }, 5_999), false);
  t.equal(needsTouch(0, { idleTimeoutMs: 60_000 }, 6_000), true);
  t.equal(needsTouch(0, { idleTimeoutMs: 2_000 }, 999), false, 'at least one second');
});
