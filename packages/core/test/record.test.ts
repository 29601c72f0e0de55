import { Buffer } from 'node:buffer';
import t from 'tap';
import { KeyRing } from '../src/keyring.ts';
import { openRecord, sealRecord, type SessionRecord } from '../src/record.ts';
import { seal, SealPurpose } from '../src/seal.ts';
import { createSessionId } from '../src/session-id.ts';
import { legacySessionHandle, lineageTag } from '../src/session-meta.ts';
import { testMeta } from './helpers/meta.ts';

const ring = new KeyRing('record-test-secret-0123456789abcdefghijklmnop');
const id = createSessionId(Date.now() + 60_000, false);

function record(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return { ...testMeta(1_764_000_000_123, { rev: 7, createdAtMs: 1_763_000_000_000 }), successor: undefined, data: Buffer.from('\x01{"a":1}'), ...overrides };
}

t.test('a record round-trips: meta, user, predecessor, successor and data', async (t) => {
  const cases: SessionRecord[] = [
    record(),
    record({ user: { id: 'user-ü-1', sinceMs: 1_763_400_000_000, seenAtMs: 1_763_500_000_000 } }),
    record({ predecessor: { tag: lineageTag(createSessionId(1e12, false)), id: undefined, untilMs: 0 } }),
    record({ predecessor: { tag: lineageTag('x'), id: createSessionId(1e12, true), untilMs: 1_764_000_010_000 } }),
    record({ successor: { id: createSessionId(1e12, false), untilMs: 1_764_000_010_500 }, data: Buffer.alloc(0) }),
  ];
  for (const input of cases) {
    const opened = openRecord(ring, id, sealRecord(ring, id, input));
    t.ok(opened.ok);
    if (!opened.ok) continue;
    t.same({ ...opened.record, data: Buffer.from(opened.record.data) }, { ...input, data: Buffer.from(input.data) });
    t.equal(opened.renew, false);
  }
});

t.test('a record is bound to its id, its purpose and its key', async (t) => {
  const sealed = sealRecord(ring, id, record());
  t.same(openRecord(ring, createSessionId(Date.now() + 60_000, false), sealed), { ok: false, reason: 'forged' });
  const other = new KeyRing('another-secret-0123456789abcdefghijklmnopqrst');
  t.same(openRecord(other, id, sealed), { ok: false, reason: 'unknown-key' });
  const asCookie = seal(ring, SealPurpose.cookieV2, Buffer.from('x'.repeat(80)), Buffer.from(id, 'latin1'));
  t.same(openRecord(ring, id, asCookie), { ok: false, reason: 'wrong-purpose' });
  const rotated = new KeyRing(['a-newer-secret-0123456789abcdefghijklmnopqrs', 'record-test-secret-0123456789abcdefghijklmnop']);
  const older = openRecord(rotated, id, sealed);
  t.ok(older.ok && older.renew, 'an older key opens it and asks for renewal');
});

t.test('malformed plaintexts inside a genuine seal are refused', async (t) => {
  const context = Buffer.from(id, 'latin1');
  const bad = [Buffer.alloc(0), Buffer.from([2, 0]), Buffer.from([1, 0x80]), Buffer.from([1, 0, 1, 2, 3]), Buffer.from([1, 1, ...Buffer.alloc(33)])];
  for (const plaintext of bad) {
    t.same(openRecord(ring, id, seal(ring, SealPurpose.record, plaintext, context)), { ok: false, reason: 'malformed' }, plaintext.toString('hex'));
  }
});

t.test('layout-1 values (bare data, purpose `stored`) still open, as revision 0 with the activity the caller knows', async (t) => {
  const legacy = seal(ring, SealPurpose.stored, Buffer.from('\x01{"old":true}'), Buffer.from(id, 'latin1'));
  const opened = openRecord(ring, id, legacy, 42);
  t.ok(opened.ok);
  if (!opened.ok) return;
  t.equal(opened.record.rev, 0);
  t.equal(opened.record.lastActiveMs, 42);
  t.equal(opened.record.handle, legacySessionHandle(id), 'a stable handle derived from the id');
  t.equal(Buffer.from(opened.record.data).toString(), '\x01{"old":true}');
  t.same(openRecord(ring, createSessionId(Date.now() + 60_000, false), legacy), { ok: false, reason: 'forged' });
});
