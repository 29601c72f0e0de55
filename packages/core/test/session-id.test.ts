import t from 'tap';
import { createSessionId, expiredIdUpperBound, parseSessionId, SESSION_ID_LENGTH } from '../src/session-id.ts';

t.test('ids have the original layout: 10-digit expiry, flag, 32 hex digits', async (t) => {
  const id = createSessionId(1_764_000_000_000, false);
  t.equal(id.length, SESSION_ID_LENGTH);
  t.match(id, /^1764000000_[0-9a-f]{32}$/);
  t.match(createSessionId(5_000, true), /^0000000005S[0-9a-f]{32}$/);
  t.same(parseSessionId(id), { expiresAtMs: 1_764_000_000_000, sslOnly: false });
  t.same(parseSessionId(createSessionId(5_000, true)), { expiresAtMs: 5_000, sslOnly: true });
});

t.test('an expiry between whole seconds rounds up: a session is never shorter than its lifetime', async (t) => {
  t.same(parseSessionId(createSessionId(1_764_000_000_001, false))?.expiresAtMs, 1_764_000_001_000);
  t.same(parseSessionId(createSessionId(1_764_000_000_999, false))?.expiresAtMs, 1_764_000_001_000);
  t.same(parseSessionId(createSessionId(1_764_000_001_000, false))?.expiresAtMs, 1_764_000_001_000, 'a whole second stays');
});

t.test('ids carry 128 random bits and do not repeat', async (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 10_000; i++) seen.add(createSessionId(1_000_000, false).slice(11));
  t.equal(seen.size, 10_000);
});

t.test('parsing is strict', async (t) => {
  const good = createSessionId(1_764_000_000_000, false);
  const bad = [
    '',
    good.slice(0, -1),
    `${good}0`,
    good.toUpperCase(),
    good.replace('_', '-'),
    good.replace('_', 's'),
    `x${good.slice(1)}`,
    `${good.slice(0, 20)}g${good.slice(21)}`,
    ` ${good.slice(1)}`,
    `${good.slice(0, -1)}\n`,
    '１７６４０００００００_' + good.slice(11),
  ];
  for (const id of bad) t.equal(parseSessionId(id), undefined, JSON.stringify(id));
  t.equal(parseSessionId(42 as unknown as string), undefined);
});

t.test('string order is expiry order, and the bound separates expired ids', async (t) => {
  const now = 1_764_000_000_000;
  const expired = [createSessionId(now - 86_400_000, false), createSessionId(now, true), createSessionId(now, false), createSessionId(0, false)];
  const live = [createSessionId(now + 1000, false), createSessionId(now + 1000, true), createSessionId(now * 2, false)];
  const bound = expiredIdUpperBound(now);
  for (const id of expired) t.ok(id < bound, `${id} < ${bound}`);
  for (const id of live) t.ok(id > bound, `${id} > ${bound}`);
  const sorted = [...expired, ...live].sort();
  const byExpiry = [...expired, ...live].sort((a, b) => (parseSessionId(a)?.expiresAtMs ?? 0) - (parseSessionId(b)?.expiresAtMs ?? 0));
  t.same(sorted.map((id) => id.slice(0, 10)), byExpiry.map((id) => id.slice(0, 10)));
});
