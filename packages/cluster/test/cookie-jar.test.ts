import t from 'tap';
import { CookieJar } from '../src/index.ts';

t.test('Set-Cookie adds and replaces; the header is what a browser sends', async (t) => {
  const jar = new CookieJar();
  jar.apply(['gaes0=abc; Path=/; HttpOnly; SameSite=Lax', 'gaes1=def; Max-Age=604800']);
  t.equal(jar.header(), 'gaes0=abc; gaes1=def');
  jar.apply(['gaes0=xyz; Path=/']);
  t.equal(jar.get('gaes0'), 'xyz', 'a cookie of the same name is replaced');
  t.equal(jar.size, 2);
  jar.apply(['malformed', '=novalue']);
  t.equal(jar.size, 2, 'headers without a name are ignored');
});

t.test('Max-Age=0, a negative Max-Age and a past Expires delete; Max-Age wins over Expires', async (t) => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  const jar = new CookieJar('a=1; b=2; c=3; d=4; e=5');
  jar.apply(
    [
      'a=; Max-Age=0; Path=/',
      'b=; Max-Age=-1',
      'c=; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
      'd=new; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
      'e=later; Expires=Wed, 01 Jan 2031 00:00:00 GMT',
    ],
    now,
  );
  t.equal(jar.header(), 'd=new; e=later');
});

t.test('a snapshot replays later and does not follow the jar', async (t) => {
  const jar = new CookieJar();
  jar.apply(['gaes0=old']);
  const before = jar.snapshot();
  const header = jar.header();
  jar.apply(['gaes0=; Max-Age=0']);
  t.equal(jar.size, 0);
  t.equal(before.get('gaes0'), 'old', 'the snapshot keeps the old cookie');
  t.equal(new CookieJar(before).header(), header, 'a jar built from a snapshot sends the old header');
  t.equal(new CookieJar(header).header(), header, 'and so does one built from the header');
  jar.restore(before);
  t.equal(jar.header(), 'gaes0=old');
});
