import t from 'tap';
import { deriveSealKey, KeyRing } from '../src/keyring.ts';

t.test('secrets must be at least 32 bytes', async (t) => {
  t.throws(() => new KeyRing('short'), { code: 'ERR_GAES_CONFIG' });
  t.throws(() => new KeyRing('x'.repeat(31)), { code: 'ERR_GAES_CONFIG' });
  t.ok(new KeyRing('x'.repeat(32)));
  t.ok(new KeyRing(new Uint8Array(32).fill(7)));
  t.throws(() => new KeyRing([]), { code: 'ERR_GAES_CONFIG' });
  t.throws(() => new KeyRing(['y'.repeat(40), 'short']), { code: 'ERR_GAES_CONFIG' }, 'every secret is checked');
});

t.test('derivation is deterministic and separates keys', async (t) => {
  const a1 = deriveSealKey('a'.repeat(40));
  const a2 = deriveSealKey('a'.repeat(40));
  const b = deriveSealKey('b'.repeat(40));
  t.equal(a1.kid, a2.kid);
  t.ok(a1.xchachaKey.equals(a2.xchachaKey));
  t.not(a1.kid, b.kid);
  t.notOk(a1.xchachaKey.equals(a1.aesKey), 'one key per algorithm');
  t.notOk(a1.xchachaKey.equals(Buffer.from('a'.repeat(32))), 'never the raw secret');
});

t.test('the first secret seals, all open, duplicates refused', async (t) => {
  const ring = new KeyRing(['n'.repeat(40), 'o'.repeat(40)]);
  t.equal(ring.primary.kid, deriveSealKey('n'.repeat(40)).kid);
  t.ok(ring.find(deriveSealKey('o'.repeat(40)).kid));
  t.equal(ring.find(12345), undefined);
  t.equal(ring.size, 2);
  t.throws(() => new KeyRing(['n'.repeat(40), 'n'.repeat(40)]), { code: 'ERR_GAES_CONFIG' });
});
