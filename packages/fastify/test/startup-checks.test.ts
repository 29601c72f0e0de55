/**
 * Start-up: a configuration that cannot be correct on several instances is said clearly; on App Engine or
 * Cloud Run without `trustProxy`, `cookie.secure: 'auto'` sends Secure cookies; a cache's scope is told
 * from its store (Keyv's in-memory adapter is per process).
 */
import Fastify from 'fastify';
import { Keyv } from 'keyv';
import t from 'tap';
import gaeSessions from '../src/index.ts';
import { resolveOptions } from '../src/options.ts';
import { SECRET_A, setCookies } from './helpers/app.ts';
import { fakeCache } from './helpers/fake-cache.ts';

async function appWithLogs(options: Record<string, unknown>, fastifyOptions: Record<string, unknown> = {}) {
  const lines: Array<{ level: number; msg: string }> = [];
  const app = Fastify({ logger: { level: 'info', stream: { write: (l: string) => void lines.push(JSON.parse(l)) } }, ...fastifyOptions });
  await app.register(gaeSessions, { secret: SECRET_A, ...options });
  app.post('/set', async (req) => {
    req.session.set('a', 1);
    return {};
  });
  await app.ready();
  return { app, lines: () => lines.filter((l) => l.msg.startsWith('gaes:')) };
}

function withEnv(t: { teardown(fn: () => void): void }, vars: Record<string, string | undefined>): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  t.teardown(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

t.test("a cache's scope: Keyv's in-memory stores are per process, anything else is shared, the option decides", async (t) => {
  t.equal(resolveOptions({ secret: SECRET_A }).cacheScope, 'process', 'the default cache');
  t.equal(resolveOptions({ secret: SECRET_A, cache: new Keyv({ store: new Map() }) }).cacheScope, 'process', 'a Map');
  t.equal(resolveOptions({ secret: SECRET_A, cache: fakeCache().keyv }).cacheScope, 'shared', 'a storage adapter (Redis, Memcached…)');
  t.equal(resolveOptions({ secret: SECRET_A, cacheScope: 'shared' }).cacheScope, 'shared', 'said explicitly');
  t.throws(() => resolveOptions({ secret: SECRET_A, cacheScope: 'cluster' as 'shared' }), { code: 'ERR_GAES_CONFIG' });
});

t.test('sessions kept in one process: a warning where several instances are likely, a note otherwise, nothing when shared', async (t) => {
  withEnv(t, { GAE_SERVICE: undefined, K_SERVICE: undefined });
  const perProcessAllServer = await appWithLogs({ cookieOnlyThreshold: 0 });
  t.match(perProcessAllServer.lines(), [{ level: 40, msg: /live in this process only/ }]);
  const perProcessDefault = await appWithLogs({});
  t.match(perProcessDefault.lines(), [{ level: 30, msg: /live in this process only/ }], 'defaults on a dev machine: an info line');
  const shared = await appWithLogs({ cache: fakeCache().keyv });
  t.same(shared.lines(), [], 'a shared cache: nothing to say');
  withEnv(t, { K_SERVICE: 'web' });
  const cloudRun = await appWithLogs({});
  t.match(cloudRun.lines().filter((l) => /process only/.test(l.msg)), [{ level: 40 }], 'on Cloud Run: a warning');
});

t.test("cookie.secure 'auto' on App Engine without trustProxy sends Secure, and says so once", async (t) => {
  withEnv(t, { GAE_SERVICE: 'default', K_SERVICE: undefined });
  const { app, lines } = await appWithLogs({ cache: fakeCache().keyv });
  const res = await app.inject({ method: 'POST', url: '/set' });
  t.ok(setCookies(res).every((h) => h.includes('; Secure')), 'Secure on a request that looks like plain HTTP');
  t.match(lines(), [{ level: 30, msg: /sends Secure cookies unless/ }]);
  const trusting = await appWithLogs({ cache: fakeCache().keyv }, { trustProxy: true });
  const plain = await trusting.app.inject({ method: 'POST', url: '/set' });
  t.ok(setCookies(plain).every((h) => !h.includes('; Secure')), "with trustProxy, 'auto' follows X-Forwarded-Proto (plain here)");
  const https = await trusting.app.inject({ method: 'POST', url: '/set', headers: { 'x-forwarded-proto': 'https' } });
  t.ok(setCookies(https).every((h) => h.includes('; Secure')), '…and HTTPS there');
  withEnv(t, { GAE_SERVICE: undefined });
  const local = await appWithLogs({ cache: fakeCache().keyv });
  t.ok(setCookies(await local.app.inject({ method: 'POST', url: '/set' })).every((h) => !h.includes('; Secure')), 'elsewhere: unchanged');
});
