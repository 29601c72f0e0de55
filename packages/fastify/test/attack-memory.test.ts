/**
 * Memory exhaustion through the cookie open cache (OWASP: resource consumption). Anyone can collect
 * valid cookie-tier sessions and replay them; every distinct cookie becomes an entry of the plugin's
 * cache of opened cookies. An entry must cost its own bytes, never a whole shared buffer: on Node 24
 * small Buffers are slices of 64 KiB pool slabs, and one cached slice kept the whole slab alive (the
 * soak run showed ~180 MB of ArrayBuffers pinned by a few thousand entries).
 */
import { Buffer } from 'node:buffer';
import { createSessionId, encodeSessionData, EnvelopeCache, KeyRing, openEnvelope, sealEnvelope } from '@gaes/core';
import t from 'tap';
import { testMeta } from '../../core/test/helpers/meta.ts';
import { attackApp, probe } from './attack-support.ts';
import { CookieJar } from './helpers/app.ts';

const ring = new KeyRing('memory-secret-0123456789abcdefghijklmnopqrstuv');

t.test('a cached envelope keeps only its own bytes, not the buffer it was sliced from', async (t) => {
  const cache = new EnvelopeCache(100);
  const id = createSessionId(Date.now() + 3_600_000, false);
  // Data as the codec and the seal make it: small slices of a shared allocation.
  const slab = Buffer.alloc(65_536, 7);
  const data = slab.subarray(1000, 1100);
  // An issued cookie (the cache is keyed by real cookie values), and one opened from its text.
  const meta = testMeta(0);
  const issued = sealEnvelope(ring, id, meta, data);
  cache.set(issued, ring, { id, expiresAtMs: Number(id.slice(0, 10)) * 1000, sslOnly: false, ...meta, data }, false);
  const received = sealEnvelope(ring, id, meta, encodeSessionData({ user: 'x' }));
  const opened = openEnvelope(ring, received);
  t.ok(opened.ok);
  if (opened.ok) cache.set(received, ring, opened.envelope, opened.renew);
  for (const [label, key] of [['issued', issued], ['opened', received]] as const) {
    const held = cache.get(key, ring)?.envelope.data;
    t.ok(held !== undefined, `${label}: cached`);
    if (held === undefined) continue;
    t.equal(held.buffer.byteLength, held.byteLength, `${label}: the entry pins ${held.buffer.byteLength} bytes for ${held.byteLength} bytes of data`);
  }
  t.same([...(cache.get(issued, ring)?.envelope.data ?? [])], [...data], 'same bytes');
  slab.fill(0);
  t.same([...(cache.get(issued, ring)?.envelope.data ?? [])], Array(100).fill(7), 'a copy: later writes to the source do not leak in');
});

t.test('replaying many more distinct valid cookies than the cache holds: each opens to its own session', async (t) => {
  const { app, logs } = await attackApp({ cookieCacheSize: 50 });
  const jars: CookieJar[] = [];
  for (let i = 0; i < 200; i++) {
    const jar = new CookieJar();
    jar.apply(await app.inject({ method: 'POST', url: '/login', payload: { user: `u${i}` } }));
    jars.push(jar);
  }
  let right = 0;
  for (const [i, jar] of jars.entries()) if ((await probe(app, logs, jar.header())).state.user === `u${i}`) right++;
  t.equal(right, jars.length, 'every replayed cookie opens to its own session');
});
