/**
 * Cookie chunks at their edges: values right at each chunk boundary, chunks filled to the 4096-byte limit
 * (no more cookies than needed), the largest chunk count, counts written oddly, and every attribute.
 */
import t from 'tap';
import {
  chunkedSetCookies,
  MAX_COOKIE_CHUNKS,
  MAX_SET_COOKIE_BYTES,
  readChunkedCookie,
  serializeAttributes,
  type SessionCookieAttributes,
} from '../src/index.ts';

const attrs: SessionCookieAttributes = { path: '/', domain: 'example.com', sameSite: 'lax', secure: true };
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const LONG = ALPHABET.repeat(2000);
/** A base64url value of `length` characters that differs with its length. */
const valueOf = (length: number): string => LONG.slice(length % 64, (length % 64) + length);

function jar(headers: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers) {
    const pair = h.split(';')[0] as string;
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

t.test('around every chunk boundary: values join back, headers stay within 4096 bytes and every cookie but the last is full', async (t) => {
  const attributes = serializeAttributes(attrs, 604_800);
  // The longest value one header holds, found by looking.
  let single = MAX_SET_COOKIE_BYTES;
  while (chunkedSetCookies('gaes', valueOf(single), attributes).length > 1) single--;
  const singleBytes = Buffer.byteLength(`gaes0=${valueOf(single)}${attributes}`);
  t.ok(
    singleBytes >= MAX_SET_COOKIE_BYTES - 1 && singleBytes <= MAX_SET_COOKIE_BYTES,
    `one cookie holds a value until its header is within a byte of the limit (${single} characters, ${singleBytes} bytes)`,
  );
  const problems: string[] = [];
  let previousCount = 1;
  for (let chunks = 1; chunks <= 26; chunks++) {
    for (let delta = -3; delta <= 3; delta++) {
      const length = chunks * single + delta;
      const value = valueOf(length);
      const headers = chunkedSetCookies('gaes', value, attributes);
      const sizes = headers.map((h) => Buffer.byteLength(h));
      const read = readChunkedCookie(jar(headers), 'gaes');
      if (read.value !== value) problems.push(`${length}: does not join back`);
      if (read.present !== headers.length) problems.push(`${length}: ${read.present} of ${headers.length} chunks counted`);
      if (sizes.some((n) => n > MAX_SET_COOKIE_BYTES)) problems.push(`${length}: a header over the limit (${sizes.join(', ')})`);
      if (sizes.slice(0, -1).some((n) => n < MAX_SET_COOKIE_BYTES - 3)) problems.push(`${length}: a cookie before the last is not full (${sizes.join(', ')})`);
      if (headers.some((h) => h.includes('=;'))) problems.push(`${length}: an empty chunk`);
      if (headers.length < previousCount) problems.push(`${length}: fewer chunks than a shorter value needed`);
      previousCount = headers.length;
    }
  }
  t.same(problems, [], 'no problem at any boundary');
});

t.test('the largest chunk count is read; counts written oddly are refused, and the cookies present are still counted', async (t) => {
  const full: Record<string, string> = { gaes0: `${MAX_COOKIE_CHUNKS}.a` };
  for (let i = 1; i < MAX_COOKIE_CHUNKS; i++) full[`gaes${i}`] = 'b';
  t.same(readChunkedCookie(full, 'gaes'), { value: `a${'b'.repeat(MAX_COOKIE_CHUNKS - 1)}`, present: MAX_COOKIE_CHUNKS }, `${MAX_COOKIE_CHUNKS} chunks join`);
  for (const first of ['002.a', '0002.a', '2x.a', ' 2x.a', `${MAX_COOKIE_CHUNKS + 1}.a`, '1.a', '0.a', '.a', '99.a']) {
    t.same(readChunkedCookie({ gaes0: first, gaes1: 'b', gaes2: 'c' }, 'gaes'), { value: undefined, present: 3 }, JSON.stringify(first));
  }
  t.same(readChunkedCookie({ gaes0: '02.a', gaes1: 'b' }, 'gaes'), { value: 'ab', present: 2 }, 'two characters of count may carry a leading zero');
  t.same(readChunkedCookie({ gaes0: '3.a', gaes1: 'b' }, 'gaes'), { value: undefined, present: 2 }, 'a missing chunk');
});

t.test('attributes: Max-Age is whole, 0 only once expired, never negative; every SameSite value; Partitioned', async (t) => {
  const base: SessionCookieAttributes = { path: '/', sameSite: false, secure: false };
  t.equal(serializeAttributes(base, 59.1), '; Max-Age=60; Path=/; HttpOnly', 'whole seconds');
  t.equal(serializeAttributes(base, 0.2), '; Max-Age=1; Path=/; HttpOnly', 'a live session never gets Max-Age=0');
  t.equal(serializeAttributes(base, 0), '; Max-Age=0; Path=/; HttpOnly');
  t.equal(serializeAttributes(base, -5), '; Max-Age=0; Path=/; HttpOnly', 'an expired session gets 0, not a negative age');
  t.equal(serializeAttributes({ ...base, sameSite: 'strict' }, undefined), '; Path=/; HttpOnly; SameSite=Strict');
  t.equal(serializeAttributes({ ...base, sameSite: 'none', secure: true }, undefined), '; Path=/; HttpOnly; Secure; SameSite=None');
  t.equal(serializeAttributes({ ...base, partitioned: true, secure: true }, 10), '; Max-Age=10; Path=/; HttpOnly; Secure; Partitioned');
  t.equal(serializeAttributes({ ...base, partitioned: false }, undefined), '; Path=/; HttpOnly', 'not partitioned by default');
});
