import t from 'tap';
import {
  chunkedSetCookies,
  clearingSetCookie,
  MAX_SET_COOKIE_BYTES,
  readChunkedCookie,
  serializeAttributes,
  type SessionCookieAttributes,
} from '../src/cookie-chunks.ts';

const attrs: SessionCookieAttributes = { path: '/', domain: 'example.com', sameSite: 'lax', secure: true };

function jar(headers: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers) {
    const pair = h.split(';')[0] as string;
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

t.test('attributes', async (t) => {
  t.equal(serializeAttributes(attrs, 60), '; Max-Age=60; Domain=example.com; Path=/; HttpOnly; Secure; SameSite=Lax');
  t.equal(serializeAttributes({ path: '/app', sameSite: false, secure: false }, undefined), '; Path=/app; HttpOnly');
  t.match(clearingSetCookie('gaes1', attrs), /^gaes1=; Max-Age=0; Domain=example.com; Path=\/; HttpOnly/);
});

t.test('values of lengths around each chunk boundary (1 to 100,000 characters) split into headers of at most 4096 bytes and join back', async (t) => {
  const a = serializeAttributes(attrs, 604_800);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (const len of [1, 100, 3999, 4000, 4010, 4050, 4100, 8000, 8100, 12_000, 13_700, 30_000, 100_000]) {
    let value = '';
    for (let i = 0; i < len; i++) value += alphabet[(i * 7 + len) % 64];
    const headers = chunkedSetCookies('gaes', value, a);
    for (const h of headers) t.ok(Buffer.byteLength(h) <= MAX_SET_COOKIE_BYTES, `len ${len}: header ${Buffer.byteLength(h)} bytes`);
    const read = readChunkedCookie(jar(headers), 'gaes');
    t.equal(read.value, value, `len ${len} joins back`);
    t.equal(read.present, headers.length);
    if (headers.length > 1) t.ok(headers.every((h) => !h.includes('=;')), 'no empty chunk');
  }
});

t.test('missing, surplus and absurd chunks', async (t) => {
  const value = 'x'.repeat(10_000);
  const cookies = jar(chunkedSetCookies('gaes', value, serializeAttributes(attrs, 10)));
  t.equal(Object.keys(cookies).length, 3);
  const missing = { ...cookies };
  delete missing.gaes1;
  t.equal(readChunkedCookie(missing, 'gaes').value, undefined, 'a gap breaks the set');
  t.equal(readChunkedCookie({ ...cookies, gaes3: 'stale' }, 'gaes').value, value, 'a stale extra chunk is ignored');
  t.equal(readChunkedCookie({ ...cookies, gaes3: 'stale' }, 'gaes').present, 4, 'but counted, to be cleared');
  t.equal(readChunkedCookie({ gaes0: '99.abc', gaes1: 'x' }, 'gaes').value, undefined);
  t.equal(readChunkedCookie({ gaes0: '1.abc' }, 'gaes').value, undefined);
  t.equal(readChunkedCookie({ gaes0: '.abc' }, 'gaes').value, undefined);
  t.equal(readChunkedCookie({ gaes0: '999999999.abc' }, 'gaes').value, undefined);
  t.same(readChunkedCookie({ other: 'x' }, 'gaes'), { value: undefined, present: 0 });
  const bomb: Record<string, string> = {};
  for (let i = 0; i < 500; i++) bomb[`gaes${i}`] = 'x';
  t.equal(readChunkedCookie(bomb, 'gaes').present, 64, 'reading stops at 64 chunks');
});
