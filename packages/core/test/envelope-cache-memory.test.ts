/**
 * A cache entry holds only its own characters: a cookie cached as the slice of the Cookie header it arrived
 * in would keep the whole header alive (V8 sliced strings). The plugin-level measurement over real HTTP is
 * `packages/fastify/test/cookie-cache-memory.test.ts`; this one is quick and in-process.
 */
import { Buffer } from 'node:buffer';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import t from 'tap';
import { EnvelopeCache } from '../src/envelope-cache.ts';
import type { SessionEnvelope } from '../src/envelope.ts';
import { KeyRing } from '../src/keyring.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ring = new KeyRing('envelope-cache-memory-secret-0123456789abcdef');
const MIB = 1024 * 1024;

/** An opened envelope as the cache receives it (the cache never looks inside but for `data`). */
function envelope(i: number): SessionEnvelope {
  return { id: `${i}`.padStart(43, '0'), expiresAtMs: 0, sslOnly: false, lastActiveMs: 0, data: Buffer.from(`\x01{"i":${i}}`) } as unknown as SessionEnvelope;
}

/** A cookie-like value (base64url) that is a slice of a 100 KB header, as a parsed Cookie header gives it. */
function slicedCookie(i: number): string {
  const value = Buffer.from(`cookie ${i} `.repeat(30)).toString('base64url');
  const header = `_ga=${'x'.repeat(100_000)}; gaes=${value}; theme=dark`;
  const start = header.indexOf('gaes=') + 5;
  return header.slice(start, start + value.length);
}

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

t.test('cached cookies do not keep the headers they were sliced from', async (t) => {
  const cache = new EnvelopeCache(1000);
  const before = heapAfterGc();
  const first = slicedCookie(0);
  for (let i = 0; i < 300; i++) cache.set(i === 0 ? first : slicedCookie(i), ring, envelope(i), false);
  const retained = heapAfterGc() - before;
  t.comment(`${(retained / MIB).toFixed(2)} MiB retained by 300 entries (their headers were ${((300 * 100_000) / MIB).toFixed(1)} MiB)`);
  t.equal(cache.size, 300);
  t.ok(retained < 3 * MIB, 'an entry holds its own characters, not its header');
  t.equal(cache.get(first, ring)?.envelope.id, envelope(0).id, 'and is found by an equal string');
});

t.test('a value with characters beyond Latin-1 is not cached (its copy would differ)', async (t) => {
  const cache = new EnvelopeCache(10);
  const odd = `\u0100${slicedCookie(1)}`;
  cache.set(odd, ring, envelope(1), false);
  t.equal(cache.size, 0);
  t.equal(cache.get(odd, ring), undefined);
});
