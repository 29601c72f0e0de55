import t from 'tap';
import { EnvelopeCache } from '../src/envelope-cache.ts';
import { sealEnvelope, openEnvelope, type SessionEnvelope } from '../src/envelope.ts';
import { KeyRing } from '../src/keyring.ts';
import { createSessionId } from '../src/session-id.ts';
import { testMeta } from './helpers/meta.ts';

const ring = new KeyRing('envelope-cache-test-secret-0123456789abcdef');
function cookie(i: number): { value: string; envelope: SessionEnvelope } {
  const value = sealEnvelope(ring, createSessionId(Date.now() + 60_000, false), testMeta(1), Buffer.from(`\x01{"i":${i}}`));
  const opened = openEnvelope(ring, value);
  if (!opened.ok) throw new Error('unreachable');
  return { value, envelope: opened.envelope };
}

t.test('hits only byte-identical cookies of the same ring', async (t) => {
  const cache = new EnvelopeCache(10);
  const a = cookie(1);
  cache.set(a.value, ring, a.envelope, false);
  t.equal(cache.get(a.value, ring)?.envelope.id, a.envelope.id);
  t.equal(cache.get(`${a.value}`.slice(0), ring)?.envelope.id, a.envelope.id, 'an equal string from elsewhere');
  const sameTail = `X${a.value.slice(1)}`;
  t.equal(cache.get(sameTail, ring), undefined, 'same tag characters, different cookie: miss');
  const middle = Math.floor(a.value.length / 2);
  const flip = (c: string): string => (c === 'A' ? 'B' : 'A');
  for (const [label, variant] of [
    ['a character in the middle changed', a.value.slice(0, middle) + flip(a.value[middle] as string) + a.value.slice(middle + 1)],
    ['the last character changed', a.value.slice(0, -1) + flip(a.value.at(-1) as string)],
    ['one character longer', `${a.value}A`],
    ['one character shorter', a.value.slice(0, -1)],
    ['one character more in front', `A${a.value}`],
  ] as const) {
    t.equal(cache.get(variant, ring), undefined, `${label}: miss`);
  }
  t.equal(cache.get(a.value, new KeyRing('another-ring-secret-0123456789abcdefgh')), undefined, 'another ring: miss');
  t.equal(cache.get('short', ring), undefined);
});

t.test('bounded: first in, first out, and re-setting a key does not grow it', async (t) => {
  const cache = new EnvelopeCache(3);
  const cs = [cookie(1), cookie(2), cookie(3), cookie(4)];
  for (const c of cs.slice(0, 3)) cache.set(c.value, ring, c.envelope, false);
  cache.set(cs[0]!.value, ring, cs[0]!.envelope, true);
  t.equal(cache.size, 3);
  t.equal(cache.get(cs[0]!.value, ring)?.renew, true, 'updated in place');
  cache.set(cs[3]!.value, ring, cs[3]!.envelope, false);
  t.equal(cache.size, 3);
  t.equal(cache.get(cs[0]!.value, ring), undefined, 'the oldest went first');
  t.ok(cache.get(cs[3]!.value, ring));
  for (let i = 0; i < 1000; i++) {
    const c = cookie(i);
    cache.set(c.value, ring, c.envelope, false);
  }
  t.equal(cache.size, 3);
  const off = new EnvelopeCache(0);
  off.set(cs[1]!.value, ring, cs[1]!.envelope, false);
  t.equal(off.get(cs[1]!.value, ring), undefined, '0 disables it');
});

t.test('entries own their bytes (a pooled slice would pin its whole slab)', async (t) => {
  const cache = new EnvelopeCache(2);
  const a = cookie(7);
  cache.set(a.value, ring, a.envelope, false);
  const data = cache.get(a.value, ring)?.envelope.data;
  t.ok(data && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength);
  t.equal(data?.toString(), '\x01{"i":7}');
});

t.test('bounded in bytes too: large sessions evict older entries', async (t) => {
  const cache = new EnvelopeCache(1000, 8000);
  const big = (i: number) => {
    const value = sealEnvelope(ring, createSessionId(Date.now() + 60_000, false), testMeta(1), Buffer.from(`\x01{"s":"${'x'.repeat(300)}${i}"}`));
    const opened = openEnvelope(ring, value);
    if (!opened.ok) throw new Error('unreachable');
    return { value, envelope: opened.envelope };
  };
  const all = Array.from({ length: 20 }, (_, i) => big(i));
  for (const c of all) cache.set(c.value, ring, c.envelope, false);
  t.ok(cache.bytes <= 8000, `${cache.bytes} bytes held`);
  t.ok(cache.size < 20 && cache.size > 0);
  t.ok(cache.get(all[19]!.value, ring), 'the newest stays');
  t.equal(cache.get(all[0]!.value, ring), undefined, 'the oldest went');
  const huge = sealEnvelope(ring, createSessionId(Date.now() + 60_000, false), testMeta(1), Buffer.alloc(2000, 0x41));
  const opened = openEnvelope(ring, huge);
  if (opened.ok) cache.set(huge, ring, opened.envelope, false);
  t.equal(cache.get(huge, ring), undefined, 'an entry over a quarter of the budget is not cached');
});

t.test('a hit carries the data as text', async (t) => {
  const cache = new EnvelopeCache(2);
  const a = cookie(3);
  cache.set(a.value, ring, a.envelope, false);
  t.equal(cache.get(a.value, ring)?.text, '\x01{"i":3}');
});
