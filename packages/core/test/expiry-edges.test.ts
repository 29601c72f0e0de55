import t from 'tap';
import { expiryState, needsTouch } from '../src/index.ts';

t.test('activity is counted from the last save, not from the epoch', async (t) => {
  const last = 1_764_000_000_000;
  t.equal(needsTouch(last, { idleTimeoutMs: 60_000 }, last + 5_999), false, 'under a tenth of the timeout since the last save');
  t.equal(needsTouch(last, { idleTimeoutMs: 60_000 }, last + 6_000), true, 'a tenth of it');
  t.equal(needsTouch(last, { idleTimeoutMs: 2_000 }, last + 999), false, 'at least one second');
  t.equal(needsTouch(last, { idleTimeoutMs: 2_000 }, last + 1_000), true);
  t.equal(expiryState({ expiresAtMs: last + 86_400_000, lastActiveMs: last }, { idleTimeoutMs: 60_000 }, last + 59_999), 'valid');
  t.equal(expiryState({ expiresAtMs: last + 86_400_000, lastActiveMs: last }, { idleTimeoutMs: 60_000 }, last + 60_000), 'idle');
});
