/**
 * Opening cookies that are sealed with the right key but hold the wrong thing: too short for an id and its
 * meta, an id that does not parse, text that is not base64url; in both cookie layouts. And the pointer hint on
 * values exactly as long as it needs.
 */
import { Buffer } from 'node:buffer';
import t from 'tap';
import {
  cookieMayBePointer,
  createSessionId,
  KeyRing,
  openEnvelope,
  openSeal,
  seal,
  SealPurpose,
  sealEnvelope,
  sealFromString,
  sealToString,
  type SealAlgorithm,
} from '../src/index.ts';
import { testMeta } from './helpers/meta.ts';

const ring = new KeyRing('envelope-edges-secret-0123456789abcdefghij');
const ALGORITHMS: readonly SealAlgorithm[] = ['xchacha20-poly1305', 'aes-256-gcm'];
const PURPOSES: ReadonlyArray<[string, SealPurpose]> = [
  ['layout 2 cookie', SealPurpose.cookieV2],
  ['layout 2 pointer', SealPurpose.pointerV2],
  ['layout 1 cookie', SealPurpose.cookie],
  ['layout 1 pointer', SealPurpose.pointer],
];

t.test('a sealed cookie too short for an id and its meta is malformed; an id that does not parse is bad-id', async (t) => {
  const id = Buffer.from(createSessionId(Date.now() + 60_000, false), 'latin1');
  const badId = Buffer.from('x'.repeat(43), 'latin1');
  const time = Buffer.alloc(8);
  for (const algorithm of ALGORITHMS) {
    for (const [name, purpose] of PURPOSES) {
      const label = `${algorithm}, ${name}`;
      const open = (plaintext: Buffer) => openEnvelope(ring, sealToString(seal(ring, purpose, plaintext, undefined, algorithm)));
      t.same(open(Buffer.alloc(0)), { ok: false, reason: 'malformed' }, `${label}: nothing`);
      t.same(open(id), { ok: false, reason: 'malformed' }, `${label}: an id alone`);
      t.same(open(Buffer.concat([badId, time, Buffer.alloc(64)])), { ok: false, reason: 'bad-id' }, `${label}: an id that does not parse`);
    }
    const open = (purpose: SealPurpose, plaintext: Buffer) => openEnvelope(ring, sealToString(seal(ring, purpose, plaintext, undefined, algorithm)));
    const idAndTime = Buffer.concat([id, time]);
    t.ok(open(SealPurpose.pointer, idAndTime).ok, `${algorithm}: a layout 1 pointer is an id and an activity time`);
    t.same(open(SealPurpose.pointer, Buffer.concat([idAndTime, Buffer.of(0)])), { ok: false, reason: 'malformed' }, `${algorithm}: a layout 1 pointer with a byte more`);
    for (const purpose of [SealPurpose.cookieV2, SealPurpose.pointerV2]) {
      t.same(open(purpose, idAndTime), { ok: false, reason: 'malformed' }, `${algorithm}: layout 2 needs the whole meta after the id`);
    }
    // A genuine layout 2 pointer with one byte more: a pointer carries nothing after its meta.
    const genuine = openSeal(ring, SealPurpose.pointerV2, sealFromString(sealEnvelope(ring, id.toString('latin1'), testMeta(1), undefined, algorithm)) as Buffer);
    t.ok(genuine.ok);
    if (genuine.ok) {
      t.ok(open(SealPurpose.pointerV2, genuine.plaintext).ok, `${algorithm}: resealed as it was, it opens`);
      t.same(open(SealPurpose.pointerV2, Buffer.concat([genuine.plaintext, Buffer.of(0)])), { ok: false, reason: 'malformed' }, `${algorithm}: with a byte more, it does not`);
    }
  }
  t.same(openEnvelope(ring, 'not base64url!'), { ok: false, reason: 'malformed' });
  t.same(openEnvelope(ring, ''), { ok: false, reason: 'malformed' });
});

t.test('the pointer hint reads two characters, also when that is all there is', async (t) => {
  const id = createSessionId(Date.now() + 60_000, false);
  for (const algorithm of ALGORITHMS) {
    const pointer = sealEnvelope(ring, id, testMeta(1), undefined, algorithm);
    const withData = sealEnvelope(ring, id, testMeta(1), Buffer.from('\u0001{}'), algorithm);
    t.ok(cookieMayBePointer(pointer.slice(0, 2)), `${algorithm}: a pointer's first two characters`);
    t.notOk(cookieMayBePointer(withData.slice(0, 2)), `${algorithm}: a data cookie's first two characters`);
    t.ok(cookieMayBePointer(`2.${pointer.slice(0, 2)}`), 'after a chunk count');
    t.notOk(cookieMayBePointer(`2.${withData.slice(0, 2)}`));
  }
});
