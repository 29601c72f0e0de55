import t from 'tap';
import { KeyRing } from '../src/index.ts';

t.test('a secret that is neither a string nor bytes is a configuration error, not a crash', async (t) => {
  for (const secret of [42, null, undefined, { length: 40 }, ['x'.repeat(40)]]) {
    t.throws(() => new KeyRing([secret as never]), { code: 'ERR_GAES_CONFIG' }, JSON.stringify(secret) ?? String(secret));
  }
  t.throws(() => new KeyRing(['y'.repeat(40), 7 as never]), { code: 'ERR_GAES_CONFIG' }, 'in any position');
});
