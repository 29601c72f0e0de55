import { Buffer } from 'node:buffer';
import { sealFromString, sealToString } from '@gaes/core';
import t from 'tap';
import { buildApp, CookieJar, SECRET_B, setCookies } from './helpers/app.ts';
import { SEAL_ALGORITHMS, SEAL_VERSION } from './helpers/algorithms.ts';
import Fastify from 'fastify';
import gaeSessions from '../src/index.ts';

const isCleared = (h: string): boolean => h.startsWith('gaes0=; Max-Age=0');

for (const algorithm of SEAL_ALGORITHMS) {
  t.test(`[${algorithm}] every single-character mutation and every truncation of a cookie gives a fresh session`, async (t) => {
    const app = await buildApp({ algorithm });
    const jar = new CookieJar();
    jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { user: 'dee' } }));
    const value = jar.cookies.get('gaes0') as string;
    t.equal(sealFromString(value)?.[0], SEAL_VERSION[algorithm], `the cookie is sealed with ${algorithm}`);
    const alphabet = 'AZaz09-_.';
    let accepted = 0;
    let cleared = 0;
    let total = 0;
    const variants: string[] = [];
    for (let i = 0; i < value.length; i++) {
      for (const c of alphabet) if (c !== value[i]) variants.push(value.slice(0, i) + c + value.slice(i + 1));
    }
    for (let n = 0; n < value.length; n++) variants.push(value.slice(0, n));
    for (const v of variants) {
      total++;
      const res = await app.inject({ url: '/state', headers: { cookie: `gaes0=${v}` } });
      if (res.statusCode !== 200) t.fail(`status ${res.statusCode}`);
      if (res.json().active) accepted++;
      if (setCookies(res).some(isCleared)) cleared++;
    }
    t.equal(accepted, 0, `none of ${total} variants accepted`);
    t.equal(cleared, total, 'each bad cookie is cleared');
  });

  t.test(`[${algorithm}] a cookie with any one bit flipped is refused and none of its data is served`, async (t) => {
    const app = await buildApp({ algorithm });
    const jar = new CookieJar();
    jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { user: 'victim' } }));
    const sealed = sealFromString(jar.cookies.get('gaes0') as string) as Buffer;
    t.equal(sealed[0], SEAL_VERSION[algorithm], `the cookie is sealed with ${algorithm}`);
    const served: string[] = [];
    let notCleared = 0;
    for (let at = 0; at < sealed.byteLength; at++) {
      for (let bit = 0; bit < 8; bit++) {
        const flipped = Buffer.from(sealed);
        flipped[at] = (flipped[at] as number) ^ (1 << bit);
        const res = await app.inject({ url: '/state', headers: { cookie: `gaes0=${sealToString(flipped)}` } });
        const state = res.json() as { active: boolean; keys: string[] };
        if (res.statusCode !== 200 || state.active || state.keys.length > 0) served.push(`byte ${at} bit ${bit}: ${res.statusCode} ${res.body}`);
        if (!setCookies(res).some(isCleared)) notCleared++;
      }
    }
    t.same(served, [], `none of ${sealed.byteLength * 8} one-bit flips opened a session`);
    t.equal(notCleared, 0, 'each flipped cookie is cleared');
    const genuine = await app.inject({ url: '/get/user', headers: { cookie: jar.header() } });
    t.equal(genuine.json().value, 'victim', 'control: the unflipped cookie opens');
  });

  t.test(`[${algorithm}] a cookie sealed by another app's secret is rejected and cleared`, async (t) => {
    const other = Fastify();
    await other.register(gaeSessions, { secret: SECRET_B, algorithm });
    other.get('/login', async (req) => {
      req.session.set('user', 'mallory');
      return {};
    });
    const jar = new CookieJar();
    jar.apply(await other.inject('/login'));
    const app = await buildApp({ algorithm });
    const res = await app.inject({ url: '/state', headers: { cookie: jar.header() } });
    t.equal(res.json().active, false);
    t.match(setCookies(res)[0], /^gaes0=; Max-Age=0/);
    const res2 = await app.inject({ method: 'POST', url: '/set', payload: { a: 1 }, headers: { cookie: jar.header() } });
    t.not(res2.json().id, undefined);
    t.equal(setCookies(res2).length, 1, 'a fresh session replaces it in one header');
  });
}

t.test('garbage cookies never fail the request', async (t) => {
  const app = await buildApp();
  for (const cookie of [
    'gaes0=',
    'gaes0=%%%',
    'gaes0="quoted"',
    'gaes0=3.abc; gaes1=def',
    `gaes0=${'A'.repeat(4000)}`,
    'gaes0=AVBR; gaes1=x',
    `gaes5=${'x'.repeat(100)}`,
    'gaes0=a; gaes0=b',
  ]) {
    const res = await app.inject({ url: '/state', headers: { cookie } });
    t.equal(res.statusCode, 200, cookie.slice(0, 40));
    t.equal(res.json().active, false);
    const res2 = await app.inject({ url: '/untouched', headers: { cookie } });
    t.equal(res2.statusCode, 200);
  }
});
