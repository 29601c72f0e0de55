import { KeyRing } from '@gaes/core';
import t from 'tap';
import { buildApp, CookieJar, countingKeyv, SECRET_A, SECRET_B, setCookies } from './helpers/app.ts';

t.test('A → [B, A]: sessions survive and are re-sealed with B on the next response', async (t) => {
  const appA = await buildApp({ secret: SECRET_A });
  const jar = new CookieJar();
  jar.apply(await appA.inject({ method: 'POST', url: '/set', payload: { user: 'eve', n: 1 } }));
  const sealedWithA = jar.cookies.get('gaes0') as string;
  const ringB = new KeyRing(SECRET_B);

  const appBA = await buildApp({ secret: [SECRET_B, SECRET_A] });
  const res = await appBA.inject({ url: '/get/user', headers: { cookie: jar.header() } });
  t.same(res.json(), { value: 'eve' }, 'the old cookie still opens');
  t.equal(setCookies(res).length, 1, 'a read-only request re-seals the cookie');
  jar.apply(res);
  const resealed = jar.cookies.get('gaes0') as string;
  t.not(resealed, sealedWithA);
  t.equal(Buffer.from(resealed, 'base64url').readUInt32BE(2), ringB.primary.kid, 'sealed with B');

  const again = await appBA.inject({ url: '/get/user', headers: { cookie: jar.header() } });
  t.same(setCookies(again), [], 'no renewal once on the current key');

  const appB = await buildApp({ secret: SECRET_B });
  t.same((await appB.inject({ url: '/get/n', headers: { cookie: jar.header() } })).json(), { value: 1 }, 'A can be dropped once re-sealed');
});

t.test('rotation for server-side sessions re-seals the pointer cookie without a store write', async (t) => {
  const { keyv, counts } = countingKeyv();
  const appA = await buildApp({ secret: SECRET_A, cookieOnlyThreshold: 0, cache: keyv });
  const jar = new CookieJar();
  jar.apply(await appA.inject({ method: 'POST', url: '/set', payload: { user: 'fay' } }));
  const appBA = await buildApp({ secret: [SECRET_B, SECRET_A], cookieOnlyThreshold: 0, cache: keyv });
  const writes = counts.set;
  const res = await appBA.inject({ url: '/get/user', headers: { cookie: jar.header() } });
  t.same(res.json(), { value: 'fay' });
  t.equal(setCookies(res).length, 1);
  t.equal(counts.set, writes, 'no cache write for a key renewal alone');
});
