import t from 'tap';
import { EnvelopeCache } from '../src/envelope-cache.ts';
import { sealEnvelope } from '../src/envelope.ts';
import { KeyRing } from '../src/keyring.ts';
import { createSessionId } from '../src/session-id.ts';
import { testMeta } from './helpers/meta.ts';

const ring = new KeyRing('admission-test-secret-0123456789abcdefghijkl');
const cookie = (): string => sealEnvelope(ring, createSessionId(Date.now() + 60_000, false), testMeta(1), Buffer.from('\x01{}'));

t.test('a cookie decrypted and replaced is worth keeping only from its second sighting', async (t) => {
  const cache = new EnvelopeCache(10);
  const a = cookie();
  t.equal(cache.seenBefore(a), false, 'first sighting');
  t.equal(cache.seenBefore(a), true, 'second sighting');
  t.equal(cache.seenBefore(a), false, 'the sighting is used up once reported');
  t.equal(cache.seenBefore(`${a.slice(0, -1)}${a.endsWith('A') ? 'B' : 'A'}`), false, 'another tag: not seen');
});

t.test('sightings are bounded like entries (first in, first out) and off with the cache', async (t) => {
  const cache = new EnvelopeCache(3);
  const cookies = Array.from({ length: 5 }, cookie);
  for (const c of cookies) cache.seenBefore(c);
  t.equal(cache.seenBefore(cookies[0] as string), false, 'the oldest was forgotten');
  t.equal(cache.seenBefore(cookies[4] as string), true, 'the newest is remembered');
  const off = new EnvelopeCache(0);
  off.seenBefore(cookies[1] as string);
  t.equal(off.seenBefore(cookies[1] as string), false);
  t.equal(cache.size, 0, 'sightings are not entries');
});
