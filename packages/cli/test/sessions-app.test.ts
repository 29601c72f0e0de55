/**
 * `gaes-sessions end` against a real app: sessions an app bound to a user are refused by an app instance that
 * loads the revocations the command wrote — cookie-tier ones, and server-side ones whose copy in the app's cache
 * the command cannot delete.
 */
import { DatastoreUserDirectory } from '@gaes/datastore';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { CookieJar } from '@gaes/test-support/cookie-jar';
import { buildApp, countingKeyv } from '../../fastify/test/helpers/app.ts';
import { runSessionsCli } from '../src/sessions-cli.ts';
import { emulatorEnv, freshNamespace, startDatastore, storedIds } from '@gaes/test-support/datastore';
import { captureIo } from './fixtures/io.ts';

const db = await startDatastore(t);

function routes(app: FastifyInstance): void {
  app.post('/login/:user', async (req) => {
    req.session.regenerateId();
    req.session.setUser((req.params as { user: string }).user);
    req.session.set('n', 1);
    return { handle: req.session.handle };
  });
  app.get('/me', async (req) => ({ userId: req.session.userId ?? null, active: req.session.isActive() }));
}

async function cli(namespace: string, args: string[]) {
  const captured = captureIo({ env: emulatorEnv(db), now: Date.now });
  const code = await runSessionsCli([...args, '--namespace', namespace, '--json'], captured.io);
  return { code, json: captured.json() };
}

const setups: Record<string, (cache: ReturnType<typeof countingKeyv>) => Record<string, unknown>> = {
  'cookie tier': () => ({}),
  'server-side, Datastore + a shared cache': (cache) => ({ cache: cache.keyv, cookieOnlyThreshold: 0 }),
};

for (const [name, setup] of Object.entries(setups)) {
  t.test(`${name}: ended by the CLI, refused by an app instance that loads the revocations`, async (t) => {
    const namespace = freshNamespace();
    const cache = countingKeyv();
    // Every instance is built the same way; one started after the command loads its revocations at start-up.
    const instance = async () => {
      const app = await buildApp({ datastore: db.datastore, datastoreNamespace: namespace, ...setup(cache) }, {}, routes);
      t.teardown(() => app.close());
      return app;
    };
    const first = await instance();
    const login = async () => {
      const jar = new CookieJar();
      const res = await first.inject({ method: 'POST', url: '/login/alice' });
      jar.apply(res);
      return { jar, handle: res.json().handle as string };
    };
    const [laptop, phone, tablet] = [await login(), await login(), await login()];
    const me = async (app: FastifyInstance, d: { jar: CookieJar }) => (await app.inject({ url: '/me', headers: { cookie: d.jar.header() } })).json();
    const phoneRecord = await new DatastoreUserDirectory({ datastore: db.datastore, namespace }).get(phone.handle);

    const one = await cli(namespace, ['end', '--user', 'alice', '--handle', phone.handle]);
    t.match(one, { code: 0, json: { ended: 1 } });
    const second = await instance();
    t.same(await me(second, phone), { userId: null, active: false }, 'the phone is signed out');
    t.same(await me(second, laptop), { userId: 'alice', active: true }, 'the laptop is not');
    t.notOk((await storedIds(db.datastore, namespace)).includes(phoneRecord?.sessionId ?? ''), 'its Datastore entity is gone');
    if (name !== 'cookie tier') {
      t.ok([...cache.map.keys()].some((k) => k.includes(phoneRecord?.sessionId ?? '-')), 'its cache copy is still there, and refused');
    }

    const all = await cli(namespace, ['end', '--user', 'alice', '--all']);
    t.match(all, { code: 0, json: { scope: 'all', ended: 2 } });
    const third = await instance();
    t.same(await me(third, laptop), { userId: null, active: false });
    t.same(await me(third, tablet), { userId: null, active: false });
    const again = new CookieJar();
    again.apply(await third.inject({ method: 'POST', url: '/login/alice' }));
    t.same(await me(third, { jar: again }), { userId: 'alice', active: true }, 'a sign-in afterwards works');
  });
}
