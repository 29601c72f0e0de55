import t from 'tap';
import { chooseTier, MAX_SESSION_BYTES } from '../src/tier.ts';

t.test('threshold: at and under go to cookies, over goes server-side', async (t) => {
  t.equal(chooseTier(10_239, 10_240), 'cookie');
  t.equal(chooseTier(10_240, 10_240), 'cookie');
  t.equal(chooseTier(10_241, 10_240), 'server');
  t.equal(chooseTier(1, 0), 'server', '0 disables cookie data');
});

t.test('the hard limit is a typed error', async (t) => {
  t.equal(chooseTier(MAX_SESSION_BYTES, 10_240), 'server');
  t.throws(() => chooseTier(MAX_SESSION_BYTES + 1, 10_240), { code: 'ERR_GAES_SESSION_TOO_LARGE' });
  t.throws(() => chooseTier(101, 10, 100), { code: 'ERR_GAES_SESSION_TOO_LARGE', sizeBytes: 101, maxBytes: 100 });
});
