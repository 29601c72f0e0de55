/**
 * Cookie bombs: hundreds of cookies, 8 KB and larger headers, absurd chunk indices and counts. The plugin
 * reads at most 64 chunks, answers without a 5xx, and a genuine session among the junk keeps working.
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_COOKIE_CHUNKS } from '@gaes/core';
import t from 'tap';
import { assertRepelled, attackApp, probe } from './attack-support.ts';
import { CookieJar, setCookies } from './helpers/app.ts';

const junk = (n: number, name = (i: number) => `junk${i}`): string =>
  Array.from({ length: n }, (_, i) => `${name(i)}=${'v'.repeat(10)}`).join('; ');

t.test('hundreds of unrelated cookies: no session, no Set-Cookie; a genuine session among them still works', async (t) => {
  const { app, logs } = await attackApp();
  const none = await probe(app, logs, junk(500));
  t.equal(none.res.statusCode, 200);
  t.equal(none.state.active, false);
  t.same(setCookies(none.res), []);
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/login', payload: { user: 'alice' } }));
  const among = await probe(app, logs, `${junk(250)}; ${jar.header()}; ${junk(250, (i) => `x${i}`)}`);
  t.equal(among.res.statusCode, 200);
  t.equal(among.state.user, 'alice');
});

t.test('hundreds of chunk cookies gaes0…gaes499: at most 64 are read and cleared', async (t) => {
  const { app, logs } = await attackApp();
  const outcome = await probe(app, logs, junk(500, (i) => `gaes${i}`));
  assertRepelled(t, outcome, logs, { reason: /malformed/ });
  const cleared = setCookies(outcome.res).filter((h) => /Max-Age=0/.test(h));
  t.equal(cleared.length, MAX_COOKIE_CHUNKS, `${MAX_COOKIE_CHUNKS} chunks cleared, no more`);
  // A genuine session whose gaes1… are junk: the session still opens and the junk chunks are cleared.
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/login', payload: { user: 'alice' } }));
  const extra = Array.from({ length: 300 }, (_, i) => `gaes${i + 1}=junk`).join('; ');
  const mixed = await probe(app, logs, `${jar.header()}; ${extra}`);
  t.equal(mixed.state.user, 'alice');
  t.ok(setCookies(mixed.res).length <= MAX_COOKIE_CHUNKS);
});

t.test('absurd chunk indices and counts are refused', async (t) => {
  const { app, logs } = await attackApp();
  const jar = new CookieJar();
  jar.apply(await app.inject({ method: 'POST', url: '/login', payload: { user: 'alice' } }));
  const genuine = jar.sessionCookie() as string;
  for (const [header, reason] of [
    [`gaes0=999999.${genuine}`, /incomplete/],
    [`gaes0=99.${genuine}`, /incomplete/],
    [`gaes0=65.${genuine}; ${Array.from({ length: 64 }, (_, i) => `gaes${i + 1}=A`).join('; ')}`, /incomplete/],
    [`gaes0=64.${genuine.slice(0, 20)}; ${Array.from({ length: 63 }, (_, i) => `gaes${i + 1}=${'A'.repeat(100)}`).join('; ')}`, /malformed|forged/],
    [`gaes0=0.${genuine}`, /incomplete/],
    [`gaes0=1.${genuine}`, /incomplete/],
    [`gaes0=-2.${genuine}`, /incomplete/],
    [`gaes0=2.${genuine}`, /incomplete/],
    [`gaes0=.${genuine}`, /incomplete/],
  ] as const) {
    assertRepelled(t, await probe(app, logs, header), logs, { reason });
  }
  // Chunk cookies with no gaes0 at all: nothing to read, nothing to reject.
  for (const header of [`gaes999999=${genuine}`, `gaes1=${genuine}`, `gaes00=${genuine}`, `GAES0=${genuine}`]) {
    const { res, state } = await probe(app, logs, header);
    t.equal(res.statusCode, 200);
    t.equal(state.active, false, `${header.slice(0, 12)}… is not a session cookie`);
  }
});

t.test('an 8 KB session cookie of junk, and 64 full-size junk chunks (256 KB), are refused: a fresh session, no 5xx', async (t) => {
  const { app, logs } = await attackApp();
  assertRepelled(t, await probe(app, logs, `gaes0=${'A'.repeat(8192)}`), logs, { reason: /forged|malformed|unknown|wrong-purpose/ });
  const chunks = Array.from({ length: 63 }, (_, i) => `gaes${i + 1}=${'B'.repeat(4000)}`).join('; ');
  assertRepelled(t, await probe(app, logs, `gaes0=64.${'A'.repeat(4000)}; ${chunks}`), logs, { reason: /forged|malformed|unknown|wrong-purpose/ });
});

/**
 * GET `path` on a listening server with a raw Cookie header: the status, or `'reset'` when the server
 * cut the connection first (Node answers 431 to an oversized header and closes at once, so a client
 * still sending may see the reset before the answer).
 */
function get(port: number, path: string, cookie: string): Promise<number | 'reset'> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { cookie }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') resolve('reset');
      else reject(err);
    });
    req.end();
  });
}

t.test('over a real socket: an 8 KB Cookie header is served; a header over 16 KB gets 431 and the server lives on', async (t) => {
  const { app, logs } = await attackApp();
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const { port } = app.server.address() as AddressInfo;
  logs.clear();
  t.equal(await get(port, '/probe', junk(400).slice(0, 8 * 1024)), 200, '8 KB of junk cookies: 200');
  t.equal(await get(port, '/probe', `gaes0=${'A'.repeat(8 * 1024)}`), 200, 'an 8 KB session cookie: 200');
  t.ok(logs.gaes().some((l) => l.level === 20 && l.msg?.includes('rejected')), 'the junk session cookie was logged');
  for (const cookie of [`gaes0=${'A'.repeat(20 * 1024)}`, junk(2000)]) {
    const status = await get(port, '/probe', cookie);
    t.ok(status === 431 || status === 'reset', `over maxHeaderSize: 431 from Node or a closed connection (got ${status})`);
  }
  t.equal(await get(port, '/untouched', ''), 200, 'still serving');
  t.ok(app.server.listening);
  t.same(logs.errors(), [], 'nothing logged at error level');
});
