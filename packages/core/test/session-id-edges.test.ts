/**
 * Session ids at their edges: expiries before 1970 or past the 10 digits, rounding, and every character
 * next to the allowed ranges (a digit range check off by one would let '/', ':', '`' or 'g' through).
 */
import t from 'tap';
import { createSessionId, expiredIdUpperBound, parseSessionId } from '../src/index.ts';

t.test('expiries are clamped to what 10 digits of seconds hold', async (t) => {
  t.match(createSessionId(-5_000, false), /^0000000000_/, 'before 1970: 0');
  t.match(createSessionId(1e16, true), /^9999999999S/, 'past year 2286: the largest expiry');
  t.match(createSessionId(1_001, false), /^0000000002_/, 'rounded up to the next second');
  t.match(createSessionId(2_000, false), /^0000000002_/, 'a whole second stays');
  t.equal(expiredIdUpperBound(-5_000), '0000000000~');
  t.equal(expiredIdUpperBound(1e16), '9999999999~');
  t.equal(expiredIdUpperBound(2_999), '0000000002~', 'the bound rounds down: a session expiring at 3 s has not expired at 2.999 s');
  t.same(parseSessionId(createSessionId(1e16, false)), { expiresAtMs: 9_999_999_999_000, sslOnly: false });
});

t.test('every character just outside the allowed ranges is refused, every one inside accepted', async (t) => {
  const good = createSessionId(1_764_000_000_000, false);
  const at = (i: number, c: string): string => good.slice(0, i) + c + good.slice(i + 1);
  for (const i of [0, 5, 9]) {
    for (const c of ['/', ':']) t.equal(parseSessionId(at(i, c)), undefined, `expiry digit ${i}: ${c}`);
    for (const c of ['0', '9']) t.ok(parseSessionId(at(i, c)), `expiry digit ${i}: ${c}`);
  }
  for (const c of ['^', '`', 'R', 'T', 's']) t.equal(parseSessionId(at(10, c)), undefined, `separator ${c}`);
  for (const i of [11, 26, 42]) {
    for (const c of ['/', ':', '`', 'g', 'A', 'F']) t.equal(parseSessionId(at(i, c)), undefined, `hex digit ${i}: ${c}`);
    for (const c of ['0', '9', 'a', 'f']) t.ok(parseSessionId(at(i, c)), `hex digit ${i}: ${c}`);
  }
  t.same(parseSessionId(`9876543210S${'f'.repeat(32)}`), { expiresAtMs: 9_876_543_210_000, sslOnly: true }, 'every digit counts');
});
