import { encodeSessionData } from '@gaes/core';
import t from 'tap';
import { buildApp, CookieJar, countingKeyv, setCookies } from './helpers/app.ts';

/** The blob length whose session `{ blob }` encodes to exactly `bytes`. */
function blobFor(bytes: number): number {
  return bytes - encodeSessionData({ blob: '' }).byteLength;
}

t.test('exactly at, just under and just over the threshold', async (t) => {
  const threshold = 2000;
  const { keyv, map } = countingKeyv();
  const app = await buildApp({ cookieOnlyThreshold: threshold, cache: keyv });
  for (const [size, tier] of [
    [threshold - 1, 'cookie'],
    [threshold, 'cookie'],
    [threshold + 1, 'cache'],
  ] as const) {
    const jar = new CookieJar();
    jar.apply(await app.inject({ method: 'POST', url: `/grow/${blobFor(size)}` }));
    const state = (await app.inject({ url: '/state', headers: { cookie: jar.header() } })).json();
    t.equal(state.tier, tier, `${size} bytes → ${tier}`);
  }
  t.equal(map.size, 1, 'only the over-threshold session reached the cache');
});

t.test('a growing session moves server-side and back, and stale chunks are cleared', async (t) => {
  const { keyv, map } = countingKeyv();
  const app = await buildApp({ cache: keyv });
  const jar = new CookieJar();
  const h = () => ({ cookie: jar.header() });
  jar.apply(await app.inject({ method: 'POST', url: '/grow/9000' }));
  t.same([...jar.cookies.keys()], ['gaes0', 'gaes1', 'gaes2', 'gaes3'], '9 KB in four cookies');
  let state = (await app.inject({ url: '/state', headers: h() })).json();
  t.equal(state.tier, 'cookie');
  const id = state.id as string;

  let res = await app.inject({ method: 'POST', url: '/grow/20000', headers: h() });
  jar.apply(res);
  t.same([...jar.cookies.keys()], ['gaes0'], 'server-side: one pointer cookie, stale chunks cleared');
  t.equal(setCookies(res).filter((c) => c.includes('Max-Age=0')).length, 3);
  t.equal(map.size, 1);
  state = (await app.inject({ url: '/state', headers: h() })).json();
  t.equal(state.tier, 'cache');
  t.equal(state.id, id, 'same session');

  res = await app.inject({ method: 'POST', url: '/grow/10', headers: h() });
  jar.apply(res);
  t.equal(map.size, 0, 'moved back into cookies: server copy deleted');
  state = (await app.inject({ url: '/state', headers: h() })).json();
  t.equal(state.tier, 'cookie');
  t.equal(state.id, id);
});

t.test('every Set-Cookie header is at most 4096 bytes, with long attributes too', async (t) => {
  const app = await buildApp({ cookie: { domain: 'a-rather-long-subdomain.example-application.appspot.com', path: '/some/long/path', secure: true } });
  const res = await app.inject({ method: 'POST', url: '/grow/10000' });
  const headers = setCookies(res);
  t.ok(headers.length >= 4);
  for (const h of headers) t.ok(Buffer.byteLength(h) <= 4096, `${Buffer.byteLength(h)} bytes`);
});

t.test('cookieOnlyThreshold 0 keeps all data server-side', async (t) => {
  const { keyv, map } = countingKeyv();
  const app = await buildApp({ cookieOnlyThreshold: 0, cache: keyv });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { tiny: 1 } }));
  t.equal(map.size, 1);
  // A pointer: seal header, nonce and tag (46 bytes), the id (43), activity, revision, creation time, handle
  // and flags (33): 122 bytes, 163 characters. No data.
  t.ok((jar.cookies.get('gaes0') ?? '').length <= 163, 'the cookie carries only the sealed id and its meta (163 characters)');
  t.same((await app.inject({ url: '/get/tiny', headers: { cookie: jar.header() } })).json(), { value: 1 });
});

t.test('oversized sessions: a typed error, nothing written, the previous state kept', async (t) => {
  const { keyv, map } = countingKeyv();
  const app = await buildApp({ cache: keyv });
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/grow/20000' }));
  const before = map.size;
  const res = await app.inject({ method: 'POST', url: '/grow/1100000', headers: { cookie: jar.header() } });
  t.equal(res.statusCode, 500);
  t.equal(res.json().code, 'ERR_GAES_SESSION_TOO_LARGE');
  t.same(setCookies(res), [], 'no cookie changed');
  t.equal(map.size, before);
  const blob = (await app.inject({ url: '/get/blob', headers: { cookie: jar.header() } })).json().value as string;
  t.equal(blob.length, 20000, 'previous state intact');
});
