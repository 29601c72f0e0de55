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
  seal,
  SealPurpose,
  sealEnvelope,
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
    const legacy = openEnvelope(ring, sealToString(seal(ring, SealPurpose.pointer, Buffer.concat([id, time]), undefined, algorithm)));
    t.ok(legacy.ok, `${algorithm}: a layout 1 pointer is an id and an activity time`);
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
