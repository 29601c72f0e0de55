/**
 * Forged and confused cookies (OWASP Session Management: "the session id content must be meaningless and
 * validated"): another app's secret, ids of the wrong length or alphabet sealed with the real key, a
 * stored value or another purpose presented as a cookie, a version byte downgrade, chunks spliced from
 * two sessions, and a genuine cookie re-split over several chunks. Every case runs once per sealing algorithm.
 */
import { Buffer } from 'node:buffer';
import { createSessionId, readChunkedCookie, seal, SealPurpose, sealFromString, sealRecord, sealToString } from '@gaes/core';
import { testMeta } from '../../core/test/helpers/meta.ts';
import t from 'tap';
import { assertRepelled, attackApp, craftCookie, probe, ringA } from './attack-support.ts';
import { SEAL_ALGORITHMS, SEAL_VERSION } from './helpers/algorithms.ts';
import { CookieJar, countingKeyv, SECRET_A, SECRET_B } from './helpers/app.ts';

for (const algorithm of SEAL_ALGORITHMS) {
  t.test(`[${algorithm}] a cookie sealed with another app's secret is refused`, async (t) => {
    const { app: other } = await attackApp({ secret: SECRET_B, algorithm });
    const stolen = new CookieJar();
    stolen.apply(await other.inject({ method: 'POST', url: '/login', payload: { user: 'admin' } }));
    const { app, logs } = await attackApp({ algorithm });
    assertRepelled(t, await probe(app, logs, stolen.header()), logs, { reason: /unknown-key/, victimUser: 'admin' });
    const { app: both, logs: bothLogs } = await attackApp({ secret: [SECRET_A, SECRET_B], algorithm });
    t.equal((await probe(both, bothLogs, stolen.header())).state.user, 'admin', 'control: opens once the secret is in the ring');
  });

  t.test(`[${algorithm}] ids of the wrong length or alphabet, sealed with the real key, are refused (cookie and pointer)`, async (t) => {
    const good = createSessionId(Date.now() + 3_600_000, false);
    const cases: Array<[string, Buffer | string, RegExp?]> = [
      ['42 characters', good.slice(0, 42)],
      // The id field is 43 bytes: a 44th character spills into the time field and shifts the data (a cookie's
      // data no longer decodes; a pointer has a byte too many).
      ['44 characters', `${good}0`, /undecodable|malformed/],
      ['uppercase hex', good.slice(0, 11) + good.slice(11).toUpperCase().replace(/[0-9]/g, 'A')],
      ['a non-hex letter', `${good.slice(0, 42)}g`],
      ['separator "-"', `${good.slice(0, 10)}-${good.slice(11)}`],
      ['separator "s" (lowercase)', `${good.slice(0, 10)}s${good.slice(11)}`],
      ['expiry with a letter', `x${good.slice(1)}`],
      ['expiry with a sign', `+${good.slice(1)}`],
      ['expiry with a space', ` ${good.slice(1)}`],
      ['NUL bytes', Buffer.alloc(43)],
      ['0xff bytes', Buffer.alloc(43, 0xff)],
      ['a UTF-8 character inside', Buffer.concat([Buffer.from(good.slice(0, 41), 'latin1'), Buffer.from('é', 'utf8')])],
      ['a path traversal', `../../${good.slice(6)}`],
      ['an empty id', ''],
    ];
    for (const pointer of [false, true]) {
      const { keyv, map } = countingKeyv();
      const { app, logs } = await attackApp({ cache: keyv, algorithm });
      for (const [label, id, reason] of cases) {
        const outcome = await probe(app, logs, `gaes0=${craftCookie(id, { pointer, algorithm })}`);
        t.test(`${pointer ? 'pointer' : 'cookie'}: ${label}`, async (t) => {
          assertRepelled(t, outcome, logs, { reason: reason ?? /^(bad-id|malformed)$/ });
        });
      }
      t.equal(map.size, 0, 'no cache lookups stored anything');
    }
  });

  t.test(`[${algorithm}] a seal too short to hold an id is refused as malformed`, async (t) => {
    const { app, logs } = await attackApp({ algorithm });
    for (const n of [0, 1, 42, 50]) {
      const value = sealToString(seal(ringA, SealPurpose.cookie, Buffer.alloc(n, 0x30), undefined, algorithm));
      assertRepelled(t, await probe(app, logs, `gaes0=${value}`), logs, { reason: /malformed/ });
    }
  });

  t.test(`[${algorithm}] a valid id around undecodable data gives a fresh session, not a 500`, async (t) => {
    const { app, logs } = await attackApp({ algorithm });
    const id = createSessionId(Date.now() + 3_600_000, false);
    for (const data of [Buffer.from('\u0001not json'), Buffer.from('\u0002["x"]'), Buffer.from('\u0002{"a":["n","1e3"]}'), Buffer.of(9, 9), Buffer.alloc(0)]) {
      const outcome = await probe(app, logs, `gaes0=${craftCookie(id, { data, algorithm })}`);
      assertRepelled(t, outcome, logs, { reason: /undecodable/ });
    }
  });

  t.test(`[${algorithm}] a stored value, or a seal with its purpose or version byte changed, never opens as a cookie`, async (t) => {
    const { keyv } = countingKeyv();
    const { app, logs } = await attackApp({ cache: keyv, algorithm });
    const id = createSessionId(Date.now() + 3_600_000, false);
    const stored = sealRecord(ringA, id, { ...testMeta(Date.now()), successor: undefined, data: Buffer.from('\u0001{"user":"admin"}') }, algorithm);
    assertRepelled(t, await probe(app, logs, `gaes0=${sealToString(stored)}`), logs, { reason: /wrong-purpose/, victimUser: 'admin' });
    const jar = new CookieJar();
    jar.apply(await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' } }));
    const genuine = sealFromString(jar.sessionCookie() as string) as Buffer;
    t.equal(genuine[0], SEAL_VERSION[algorithm], `the cookie is sealed with ${algorithm}`);
    const variants: Array<[string, (b: Buffer) => void]> = [
      ['purpose cookie → pointer', (b) => (b[1] = 0x50)],
      ['purpose cookie → stored', (b) => (b[1] = 0x73)],
      ...[1, 2, 3]
        .filter((v) => v !== SEAL_VERSION[algorithm])
        .map((v): [string, (b: Buffer) => void] => [`version ${SEAL_VERSION[algorithm]} → ${v}`, (b) => (b[0] = v)]),
      ['key id changed', (b) => b.writeUInt32BE((b.readUInt32BE(2) + 1) >>> 0, 2)],
    ];
    for (const [label, change] of variants) {
      const forged = Buffer.from(genuine);
      change(forged);
      const outcome = await probe(app, logs, `gaes0=${sealToString(forged)}`);
      t.test(label, async (t) => assertRepelled(t, outcome, logs, { reason: /forged|wrong-purpose|unknown-version|unknown-key/, victimUser: 'victim' }));
    }
  });

  t.test(`[${algorithm}] chunks spliced from two sessions are refused`, async (t) => {
    const { app, logs } = await attackApp({ algorithm });
    const a = new CookieJar();
    const b = new CookieJar();
    a.apply(await app.inject({ method: 'POST', url: '/set', payload: { user: 'alice', blob: 'a'.repeat(9000) } }));
    b.apply(await app.inject({ method: 'POST', url: '/set', payload: { user: 'mallory', blob: 'm'.repeat(9000) } }));
    t.ok(a.size >= 2 && a.size === b.size, `both sessions span ${a.size} chunks`);
    for (let i = 0; i < a.size; i++) {
      const mixed = new CookieJar();
      for (const [k, v] of a.cookies) mixed.cookies.set(k, v);
      mixed.cookies.set(`gaes${i}`, b.cookies.get(`gaes${i}`) as string);
      assertRepelled(t, await probe(app, logs, mixed.header()), logs, { reason: /forged/, victimUser: 'alice' });
    }
  });

  t.test(`[${algorithm}] a genuine cookie re-split over other chunk boundaries is the same seal: served, never a 500`, async (t) => {
    for (const cookieOnlyThreshold of [10_240, 0]) {
      const { keyv } = countingKeyv();
      const { app, logs } = await attackApp({ cookieOnlyThreshold, cache: keyv, algorithm });
      const jar = new CookieJar();
      jar.apply(await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' } }));
      // A first visit's login is a regeneration: its cookie is in the second slot, `gaes_`.
      const value = readChunkedCookie(Object.fromEntries(jar.cookies), 'gaes_').value as string;
      for (const cut of [1, 2, 3, 10, value.length - 1]) {
        const header = `gaes0=2.${value.slice(0, cut)}; gaes1=${value.slice(cut)}`;
        const { res, state } = await probe(app, logs, header);
        t.equal(res.statusCode, 200, `threshold ${cookieOnlyThreshold}, first chunk of ${cut}: status`);
        t.equal(state.user, 'victim', 'the same session');
        const plain = await app.inject({ url: '/untouched', headers: { cookie: header } });
        t.equal(plain.statusCode, 200);
      }
    }
  });

  t.test(`[${algorithm}] an SSL-only session cookie replayed over plain HTTP is not honoured (and left alone)`, async (t) => {
    const { app, logs } = await attackApp({ algorithm }, { trustProxy: true });
    const https = { 'x-forwarded-proto': 'https' };
    const jar = new CookieJar();
    jar.apply(await app.inject({ method: 'POST', url: '/start?ssl=1', headers: https }));
    t.equal((await probe(app, logs, jar.header(), https)).state.active, true, 'honoured over HTTPS');
    const overHttp = await probe(app, logs, jar.header());
    t.equal(overHttp.res.statusCode, 200);
    t.equal(overHttp.state.active, false, 'not honoured over HTTP');
    t.same(overHttp.res.headers['set-cookie'], undefined, 'the HTTPS cookie is not cleared by an HTTP request');
  });
}
