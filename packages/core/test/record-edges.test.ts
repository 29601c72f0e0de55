/**
 * Server-side records sealed with the right key and id but holding the wrong thing: no layout byte, an
 * unknown layout, unknown flags, a successor cut short. Each is malformed, never a record.
 */
import { Buffer } from 'node:buffer';
import t from 'tap';
import { createSessionId, KeyRing, openRecord, openSeal, seal, SealPurpose, sealRecord, type SessionRecord } from '../src/index.ts';
import { testMeta } from './helpers/meta.ts';

const ring = new KeyRing('record-edges-secret-0123456789abcdefghijklm');
const id = createSessionId(Date.now() + 60_000, false);
const context = Buffer.from(id, 'latin1');

/** The plaintext of a genuine record (opened with the exported seal functions). */
function plaintextOf(record: SessionRecord): Buffer {
  const opened = openSeal(ring, SealPurpose.record, sealRecord(ring, id, record), context);
  if (!opened.ok) throw new Error(`did not open: ${opened.reason}`);
  return opened.plaintext;
}

const reopen = (plaintext: Buffer) => openRecord(ring, id, seal(ring, SealPurpose.record, plaintext, context));

t.test('a record plaintext that is not a record is malformed', async (t) => {
  const plain = plaintextOf({ ...testMeta(5), successor: undefined, data: Buffer.from('\u0001{}') });
  const withSuccessor = plaintextOf({ ...testMeta(5), successor: { id: createSessionId(1e12, false), untilMs: 1_764_000_000_000 }, data: Buffer.alloc(0) });
  t.ok(reopen(plain).ok, 'control: the genuine plaintext, resealed, opens');
  t.ok(reopen(withSuccessor).ok, 'control: with a successor too');
  const malformed = { ok: false, reason: 'malformed' };
  t.same(reopen(Buffer.alloc(0)), malformed, 'empty');
  t.same(reopen(plain.subarray(0, 1)), malformed, 'a layout byte alone');
  for (const layout of [0, 2, 0xff]) {
    const copy = Buffer.from(plain);
    copy[0] = layout;
    t.same(reopen(copy), malformed, `layout ${layout}`);
  }
  for (const flags of [0x02, 0x80, 0x03]) {
    const copy = Buffer.from(plain);
    copy[1] = flags;
    t.same(reopen(copy), malformed, `flags 0x${flags.toString(16)}`);
  }
  for (const cut of [1, 8, 43, 50]) t.same(reopen(withSuccessor.subarray(0, withSuccessor.byteLength - cut)), malformed, `a successor ${cut} bytes short`);
});
