/**
 * Seals at their edges: the empty plaintext (the shortest seal of each algorithm), inputs one byte short of
 * it, the algorithm check, and cookie text that is not text.
 */
import { Buffer } from 'node:buffer';
import t from 'tap';
import { assertSealAlgorithm, KeyRing, openSeal, seal, SealPurpose, sealFromString, type SealAlgorithm } from '../src/index.ts';

const ring = new KeyRing('seal-edges-secret-0123456789abcdefghijklmnop');
const ALGORITHMS: readonly SealAlgorithm[] = ['xchacha20-poly1305', 'aes-256-gcm'];

t.test('an empty plaintext seals and opens; one byte less than its seal is malformed', async (t) => {
  for (const algorithm of ALGORITHMS) {
    const sealed = seal(ring, SealPurpose.cookie, Buffer.alloc(0), undefined, algorithm);
    const opened = openSeal(ring, SealPurpose.cookie, sealed);
    t.ok(opened.ok && opened.plaintext.byteLength === 0, `${algorithm}: the shortest seal (${sealed.byteLength} bytes) opens`);
    t.same(openSeal(ring, SealPurpose.cookie, sealed.subarray(0, sealed.byteLength - 1)), { ok: false, reason: 'malformed' }, `${algorithm}: one byte short`);
    for (const length of [7, 20, 33]) {
      t.same(openSeal(ring, SealPurpose.cookie, sealed.subarray(0, length)), { ok: false, reason: 'malformed' }, `${algorithm}: ${length} bytes`);
    }
    const longer = seal(ring, SealPurpose.cookie, Buffer.alloc(0), Buffer.from('context'), algorithm);
    t.ok(openSeal(ring, SealPurpose.cookie, longer, Buffer.from('context')).ok, `${algorithm}: with a context too`);
  }
});

t.test('both algorithms are usable here; anything else is a configuration error', async (t) => {
  for (const algorithm of ALGORITHMS) t.doesNotThrow(() => assertSealAlgorithm(algorithm), algorithm);
  for (const algorithm of ['rot13', 'chacha20-poly1305', '', undefined]) {
    t.throws(() => assertSealAlgorithm(algorithm as SealAlgorithm), { code: 'ERR_GAES_CONFIG' }, String(algorithm));
  }
});

t.test('cookie text that is empty or not a string decodes to nothing', async (t) => {
  t.equal(sealFromString(''), undefined);
  for (const notText of [42, null, undefined, Buffer.from('abc')]) t.equal(sealFromString(notText as unknown as string), undefined, String(notText));
});
