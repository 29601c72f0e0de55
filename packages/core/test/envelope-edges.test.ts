/**
 * Opening cookies that are sealed with the right key but hold the wrong thing: too short for an id and an
 * activity time, an id that does not parse, text that is not base64url; and the pointer hint on values
 * exactly as long as it needs.
 */
import { Buffer } from 'node:buffer';
import t from 'tap';
import { cookieMayBePointer, createSessionId, KeyRing, openEnvelope, seal, SealPurpose, sealEnvelope, sealToString, type SealAlgorithm } from '../src/index.ts';

const ring = new KeyRing('envelope-edges-secret-0123456789abcdefghij');
const ALGORITHMS: readonly SealAlgorithm[] = ['xchacha20-poly1305', 'aes-256-gcm'];

t.test('a sealed cookie too short for an id and an activity time is malformed; a bad id is bad-id', async (t) => {
  const id = createSessionId(Date.now() + 60_000, false);
  const time = Buffer.alloc(8);
  for (const algorithm of ALGORITHMS) {
    for (const purpose of [SealPurpose.cookie, SealPurpose.pointer]) {
      const label = `${algorithm}, ${purpose === SealPurpose.cookie ? 'cookie' : 'pointer'}`;
      const sealWith = (plaintext: Buffer): string => sealToString(seal(ring, purpose, plaintext, undefined, algorithm));
      t.same(openEnvelope(ring, sealWith(Buffer.from(id, 'latin1'))), { ok: false, reason: 'malformed' }, `${label}: an id without a time`);
      t.same(openEnvelope(ring, sealWith(Buffer.alloc(0))), { ok: false, reason: 'malformed' }, `${label}: nothing`);
      const exact = openEnvelope(ring, sealWith(Buffer.concat([Buffer.from(id, 'latin1'), time])));
      t.ok(exact.ok, `${label}: an id and a time are enough`);
      t.same(openEnvelope(ring, sealWith(Buffer.concat([Buffer.from('x'.repeat(43), 'latin1'), time]))), { ok: false, reason: 'bad-id' }, `${label}: an id that does not parse`);
    }
  }
  t.same(openEnvelope(ring, 'not base64url!'), { ok: false, reason: 'malformed' });
  t.same(openEnvelope(ring, ''), { ok: false, reason: 'malformed' });
});

t.test('the pointer hint reads two characters, also when that is all there is', async (t) => {
  const id = createSessionId(Date.now() + 60_000, false);
  for (const algorithm of ALGORITHMS) {
    const pointer = sealEnvelope(ring, id, 1, undefined, algorithm);
    const withData = sealEnvelope(ring, id, 1, Buffer.from('\u0001{}'), algorithm);
    t.ok(cookieMayBePointer(pointer.slice(0, 2)), `${algorithm}: a pointer's first two characters`);
    t.notOk(cookieMayBePointer(withData.slice(0, 2)), `${algorithm}: a data cookie's first two characters`);
    t.ok(cookieMayBePointer(`2.${pointer.slice(0, 2)}`), 'after a chunk count');
    t.notOk(cookieMayBePointer(`2.${withData.slice(0, 2)}`));
  }
});
