/**
 * Logout while the cache fails, with a durable store behind it. The durable copy is deleted, but the cache
 * entry may outlive the logout and would let the old cookie back in once the cache answers again. So the
 * logout must not be reported as done: a 503 (ERR_GAES_STORE_UNAVAILABLE), the cookie kept, and a logout
 * retried once the cache is back ends the session for good.
 *
 * The invariant checked: whenever a logout answers as if it succeeded (not a 5xx, or the session cookie
 * cleared), a replay of the cookie from before it opens no session.
 */
import type { SessionStore } from '@gaes/core';
import type { LightMyRequestResponse } from 'fastify';
import t from 'tap';
import { attackApp, probe } from './attack-support.ts';
import { CookieJar, CountingStore, setCookies } from './helpers/app.ts';
import { freshNamespace, startDatastore } from '@gaes/test-support/datastore';
import { fakeCache, type FakeMode } from './helpers/fake-cache.ts';

const { datastore } = await startDatastore(t);

const clearsSession = (res: LightMyRequestResponse): boolean => setCookies(res).some((h) => /^gaes_?0=; Max-Age=0/.test(h));

const durables: ReadonlyArray<[string, () => { durableStore: SessionStore } | { datastore: typeof datastore; datastoreNamespace: string }]> = [
  ['Datastore (in-memory emulator)', () => ({ datastore, datastoreNamespace: freshNamespace() })],
  ['a durable SessionStore', () => ({ durableStore: new CountingStore() })],
];
// `down` rejects every call (like memjs), `swallow` only emits `error` and resolves (like @keyv/redis).
const failures: readonly FakeMode[] = ['down', 'swallow'];

for (const [durableName, durable] of durables) {
  for (const mode of failures) {
    t.test(`${durableName}, cache ${mode} during logout: a 503, the cookie kept, no way back in after a logout reported as done`, async (t) => {
      const { keyv, adapter } = fakeCache();
      const { app, logs } = await attackApp({ cookieOnlyThreshold: 0, cache: keyv, ...durable() });
      t.teardown(() => app.close());
      const jar = new CookieJar();
      jar.apply(await app.inject({ method: 'POST', url: '/login', payload: { user: 'victim' } }));
      const stolen = jar.header();
      t.equal((await probe(app, logs, stolen)).state.user, 'victim', 'the session is served (from the cache)');

      adapter.mode = mode;
      const logout = await app.inject({ method: 'POST', url: '/terminate', headers: { cookie: stolen } });
      adapter.mode = 'up';
      const reportedDone = logout.statusCode < 500 || clearsSession(logout);
      t.equal(logout.statusCode, 503, 'the logout fails visibly');
      t.equal(logout.json().code, 'ERR_GAES_STORE_UNAVAILABLE');
      t.notOk(clearsSession(logout), 'the session cookie is not cleared');

      // The cache answers again and may still hold the session: what the old cookie opens now must agree
      // with what the logout answered.
      const replay = await probe(app, logs, stolen);
      t.equal(replay.res.statusCode, 200);
      t.notOk(
        reportedDone && replay.state.user === 'victim',
        `a logout answered ${logout.statusCode}${clearsSession(logout) ? ' with the cookie cleared' : ''} must leave the old cookie ` +
          `opening nothing (the replay opened user ${String(replay.state.user)})`,
      );

      jar.apply(logout);
      const retry = await app.inject({ method: 'POST', url: '/terminate', headers: { cookie: jar.header() } });
      t.equal(retry.statusCode, 200, 'a logout retried once the cache is back succeeds');
      t.ok(clearsSession(retry), 'and clears the cookie');
      const after = await probe(app, logs, stolen);
      t.equal(after.res.statusCode, 200);
      t.equal(after.state.active, false, 'the old cookie opens no session after that');
      t.equal(after.state.user, null);
    });
  }
}
