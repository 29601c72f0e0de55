import { Keyv } from 'keyv';
import t from 'tap';
import { Client } from '@gaes/test-support/cookie-jar';
import { warnings } from '@gaes/test-support/logs';
import { cacheApp } from './helpers/cache-app.ts';
import { freshNamespace, startDatastore } from '@gaes/test-support/datastore';
import { cacheServer, eventually, redisBackend } from './helpers/servers.ts';

// The real tiers together: Redis (stopped and restarted by pid) in front of the Datastore tier
// (the in-memory emulator, or DATASTORE_EMULATOR_HOST).
const server = await cacheServer(t, 'redis', { managedOnly: true });
if (server !== undefined) {
  const { datastore } = await startDatastore(t);
  const backend = redisBackend(server);
  t.teardown(() => backend.close());

  t.test('Redis crashes and comes back in front of Datastore: every request answers, nothing is lost', async (t) => {
    const namespace = freshNamespace();
    const tiers = { datastore, datastoreNamespace: namespace, cookieOnlyThreshold: 0 };
    const { app, logs } = await cacheApp({ ...tiers, cache: backend.keyv, cacheTimeout: '500ms' });
    t.teardown(() => app.close());
    const clients = Array.from({ length: 3 }, () => new Client(app));
    for (const c of clients) t.equal((await c.request('GET', '/inc')).statusCode, 200);

    const failures: string[] = [];
    for (let round = 2; round <= 15; round++) {
      const requests = clients.map((c) => c.request('GET', '/inc'));
      const fault = round === 5 ? server.stop({ signal: 'SIGKILL' }) : round === 10 ? server.restart() : Promise.resolve();
      const [responses] = await Promise.all([Promise.all(requests), fault]);
      responses.forEach((res, i) => {
        if (res.statusCode !== 200 || res.json().counter !== round) failures.push(`round ${round}, client ${i}: ${res.statusCode} ${res.body}`);
      });
    }
    t.same(failures, [], 'every request answered 200 with the next counter value');
    t.ok(warnings(logs, /session cache (read|write) failed/).length > 0, 'the outage was logged');

    // Datastore alone (an empty cache in front of it) has the last write of every session.
    const { app: durableOnly } = await cacheApp({ ...tiers, cache: new Keyv() });
    t.teardown(() => durableOnly.close());
    const stored = await Promise.all(
      clients.map(async (c) => (await durableOnly.inject({ url: '/read', headers: { cookie: c.jar.header() } })).json()),
    );
    t.same(stored, clients.map(() => ({ counter: 15, tier: 'datastore' })), 'Datastore has every write');

    const back = await eventually(async () => {
      const read = await Promise.all(clients.map(async (c) => (await c.request('GET', '/read')).json().tier));
      return read.every((tier) => tier === 'cache');
    });
    t.ok(back, 'Redis serves reads again after the restart');
  });
}
