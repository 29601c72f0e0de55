/**
 * A key whose role has ended (superseded more than one session lifetime ago) stops opening cookies at that
 * moment, on every instance, without a refresh and before `gaes-keys retire` removes it from the entity: a
 * leaked old key must not keep forging sessions until someone runs retire.
 */
import gaeSessions from '@gaes/fastify';
import Fastify from 'fastify';
import t from 'tap';
import { rotateKeyRing } from '../src/keyring/commands.ts';
import { DatastoreKeyRing } from '../src/keyring/source.ts';
import { freshNamespace, startDatastore } from '@gaes/test-support/datastore';

const MASTER = 'keyring-expiry-master-secret-0123456789abcdef';
const T0 = Date.UTC(2031, 0, 1);
const PROPAGATION_MS = 5 * 60_000;
const LIFETIME_MS = 3_600_000;
/** When the first key's role ends: the second key took over at T0 + 1 s + propagation. */
const EXPIRES_AT = T0 + 1000 + PROPAGATION_MS + LIFETIME_MS;
const { datastore } = await startDatastore(t);

/** A ring whose first key is superseded at T0 + 1 s + 5 min, with a session lifetime of 1 h. */
async function rotatedRing(now: () => number): Promise<DatastoreKeyRing> {
  const loc = { datastore, namespace: freshNamespace(), masterSecret: MASTER, propagation: '5m', lifetime: '1h' };
  await rotateKeyRing({ ...loc, now: T0 });
  const ring = await DatastoreKeyRing.open({ ...loc, refreshInterval: 0, now });
  t.teardown(() => ring.close());
  await rotateKeyRing({ ...loc, now: T0 + 1000 });
  await ring.refresh();
  return ring;
}

t.test('current() leaves an expired key out from the moment it expires, without a refresh', async (t) => {
  let now = T0 + 2000;
  const ring = await rotatedRing(() => now);
  const oldKid = ring.current().primary.kid;
  now = T0 + 1000 + PROPAGATION_MS;
  t.not(ring.current().primary.kid, oldKid, 'the new key seals');
  now = EXPIRES_AT - 1;
  t.ok(ring.current().find(oldKid), 'the previous key opens until its sessions may have ended');
  t.equal(ring.current().size, 2);
  now = EXPIRES_AT;
  t.equal(ring.current().find(oldKid), undefined, 'at that moment it opens nothing any more');
  t.equal(ring.current().size, 1);
  t.same(ring.status().map((s) => s.role), ['primary', 'expired'], 'still in the entity until retire');
});

t.test('through the plugin: a cookie sealed with an expired key opens to a fresh session', async (t) => {
  let now = T0 + 2000;
  const keyring = await rotatedRing(() => now);
  const app = Fastify();
  // Sessions that outlive the ring's lifetime (a misconfiguration, or cookies forged with a leaked key).
  await app.register(gaeSessions, { keyring, lifetime: '7d', now: () => now });
  app.post('/set', async (request) => {
    request.session.set('user', 'ada');
    return { ok: true };
  });
  app.get('/get', async (request) => ({ user: request.session.get('user') ?? null }));
  await app.ready();
  t.teardown(() => app.close());

  const set = await app.inject({ method: 'POST', url: '/set', payload: {} });
  const raw = set.headers['set-cookie'];
  const cookie = (Array.isArray(raw) ? raw : [raw ?? '']).map((c) => c.split(';')[0]).join('; ');
  t.match(cookie, /=/, 'a session cookie, sealed with the first key');
  const read = async () => (await app.inject({ method: 'GET', url: '/get', headers: { cookie } })).json().user as string | null;

  now = EXPIRES_AT - 1;
  t.equal(await read(), 'ada', 'opens while the key is previous');
  t.equal(await read(), 'ada', 'and again (from the plugin’s cache of opened cookies)');
  now = EXPIRES_AT;
  t.equal(await read(), null, 'once the key has expired the cookie no longer opens');
});
