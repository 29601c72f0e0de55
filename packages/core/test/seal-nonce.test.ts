import { Buffer } from 'node:buffer';
import t from 'tap';
import { KeyRing, seal, SealPurpose, type SealAlgorithm } from '../src/index.ts';

t.test('every seal gets a fresh nonce: one plaintext sealed a thousand times never seals the same twice', async (t) => {
  const ring = new KeyRing('nonce-test-secret-0123456789abcdefghijklmno');
  const plaintext = Buffer.from('the same plaintext every time');
  for (const algorithm of ['xchacha20-poly1305', 'aes-256-gcm'] as SealAlgorithm[]) {
    const seen = new Set<string>();
    // Over a thousand seals: well past the first refills of any nonce pool.
    for (let i = 0; i < 1000; i++) seen.add(seal(ring, SealPurpose.cookie, plaintext, undefined, algorithm).toString('base64'));
    t.equal(seen.size, 1000, `${algorithm}: 1000 distinct seals`);
  }
});
