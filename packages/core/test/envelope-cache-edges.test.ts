/**
 * The cache of opened cookies at its edges: pointer cookies (no data), re-setting an entry, what counts
 * toward the byte budget, a budget filled exactly, data that is a view into a larger buffer, a disabled cache.
 */
import { Buffer } from 'node:buffer';
import t from 'tap';
import { createSessionId, EnvelopeCache, KeyRing, openEnvelope, sealEnvelope, type SessionEnvelope } from '../src/index.ts';
import { testMeta } from './helpers/meta.ts';

const ring = new KeyRing('envelope-cache-edges-secret-0123456789abcdef');

function opened(data: Uint8Array | undefined): { value: string; envelope: SessionEnvelope } {
  const value = sealEnvelope(ring, createSessionId(Date.now() + 60_000, false), testMeta(1), data);
  const result = openEnvelope(ring, value);
  if (!result.ok) throw new Error(`did not open: ${result.reason}`);
  return { value, envelope: result.envelope };
}

t.test('a pointer cookie (no data) is cached and hits, with no text', async (t) => {
  const cache = new EnvelopeCache(4);
  const pointer = opened(undefined);
  cache.set(pointer.value, ring, pointer.envelope, true);
  const hit = cache.get(pointer.value, ring);
  t.equal(hit?.envelope.id, pointer.envelope.id);
  t.equal(hit?.envelope.data, undefined);
  t.equal(hit?.text, undefined);
  t.equal(hit?.renew, true);
  t.equal(cache.bytes, pointer.value.length, 'a pointer costs its cookie text');
});

t.test('the data counts toward the byte budget, and re-setting an entry does not count it twice', async (t) => {
  const cache = new EnvelopeCache(10);
  const a = opened(Buffer.from(`\u0001{"s":"${'x'.repeat(500)}"}`));
  cache.set(a.value, ring, a.envelope, false);
  const once = cache.bytes;
  t.ok(once >= a.value.length + (a.envelope.data?.byteLength ?? 0), `${once} bytes: the cookie text and the data`);
  cache.set(a.value, ring, a.envelope, true);
  t.equal(cache.bytes, once, 're-set in place: the same bytes');
  t.equal(cache.size, 1);
  const b = opened(Buffer.from('\u0001{"s":"y"}'));
  cache.set(b.value, ring, b.envelope, false);
  t.ok(cache.bytes > once, 'a second entry adds its bytes');
});

t.test('the byte budget can be filled exactly', async (t) => {
  const entries = Array.from({ length: 4 }, (_, i) => opened(Buffer.from(`\u0001{"i":"${i}${'z'.repeat(100)}"}`)));
  const probe = new EnvelopeCache(10);
  const first = entries[0] as { value: string; envelope: SessionEnvelope };
  probe.set(first.value, ring, first.envelope, false);
  const size = probe.bytes;
  const cache = new EnvelopeCache(10, size * 4);
  for (const e of entries) cache.set(e.value, ring, e.envelope, false);
  t.equal(cache.size, 4, 'four entries of a quarter of the budget each all stay');
  t.equal(cache.bytes, size * 4);
  const fifth = opened(Buffer.from(`\u0001{"i":"4${'z'.repeat(100)}"}`));
  cache.set(fifth.value, ring, fifth.envelope, false);
  t.equal(cache.size, 4, 'one more evicts the oldest');
  t.equal(cache.get(first.value, ring), undefined);
});

t.test('data that is a view into a larger buffer is copied, even from its start', async (t) => {
  const cache = new EnvelopeCache(4);
  const base = opened(Buffer.from('\u0001{"a":1}'));
  const slab = Buffer.alloc(1024, 0x41);
  slab.write('\u0001{"a":1}', 0);
  const view = slab.subarray(0, 8);
  cache.set(base.value, ring, { ...base.envelope, data: view }, false);
  const held = cache.get(base.value, ring)?.envelope.data;
  t.equal(held?.byteLength, 8);
  t.equal(held?.buffer.byteLength, 8, 'the entry holds 8 bytes, not the 1024-byte buffer behind the view');
  slab.fill(0);
  t.equal(held?.toString('latin1'), '\u0001{"a":1}', 'a copy');
});

t.test('a cache of size 0 holds nothing', async (t) => {
  const off = new EnvelopeCache(0);
  const a = opened(Buffer.from('\u0001{}'));
  off.set(a.value, ring, a.envelope, false);
  t.equal(off.size, 0);
  t.equal(off.bytes, 0);
  t.equal(off.get(a.value, ring), undefined);
});
