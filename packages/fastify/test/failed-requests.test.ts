/**
 * A response with status >= 500 saves nothing: changes a handler made before it failed are dropped, in the
 * cookie tier (no Set-Cookie) and server-side (no cache or durable write, no delete), for a new session and
 * an existing one. A 4xx response is an answer, not a failure: its changes are saved.
 */
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { buildApp, CookieJar, countingKeyv, CountingStore, setCookies } from './helpers/app.ts';

function failingRoutes(app: FastifyInstance): void {
  app.post('/set-then-throw', async (req) => {
    for (const [k, v] of Object.entries(req.body as Record<string, unknown>)) req.session.set(k, v);
    throw new Error('the handler failed after changing the session');
  });
  app.post('/set-then-503', async (req, reply) => {
    for (const [k, v] of Object.entries(req.body as Record<string, unknown>)) req.session.set(k, v);
    return reply.code(503).send({ busy: true });
  });
  app.post('/terminate-then-throw', async (req) => {
    req.session.terminate();
    throw new Error('the handler failed after ending the session');
  });
  app.post('/set-then-422', async (req, reply) => {
    for (const [k, v] of Object.entries(req.body as Record<string, unknown>)) req.session.set(k, v);
    return reply.code(422).send({ invalid: true });
  });
}

const tiers = [
  { tier: 'cookie', cookieOnlyThreshold: 10_240 },
  { tier: 'server-side', cookieOnlyThreshold: 0 },
] as const;

for (const { tier, cookieOnlyThreshold } of tiers) {
  async function setup() {
    const cache = countingKeyv();
    const durableStore = new CountingStore();
    const app = await buildApp({ cookieOnlyThreshold, cache: cache.keyv, durableStore }, {}, failingRoutes);
    /** Every store write and delete so far. */
    const writes = () => ({ cacheSet: cache.counts.set, cacheDelete: cache.counts.delete, durableSet: durableStore.counts.set, durableDelete: durableStore.counts.delete });
    return { app, writes, durableStore, cacheEntries: cache.map };
  }

  for (const url of ['/set-then-throw', '/set-then-503']) {
    t.test(`${tier} tier: ${url} on a new session sets no cookie and writes no store`, async (t) => {
      const { app, writes, durableStore, cacheEntries } = await setup();
      t.teardown(() => app.close());
      const res = await app.inject({ method: 'POST', url, payload: { half: 'done' } });
      t.ok(res.statusCode >= 500, `a failed request (${res.statusCode})`);
      t.same(setCookies(res), [], 'no Set-Cookie');
      t.same(writes(), { cacheSet: 0, cacheDelete: 0, durableSet: 0, durableDelete: 0 }, 'no store written');
      t.equal(cacheEntries.size, 0, 'nothing cached');
      t.equal(durableStore.data.size, 0, 'nothing stored durably');
      const jar = new CookieJar();
      jar.apply(res);
      const next = await app.inject({ url: '/state', headers: { cookie: jar.header() } });
      t.same(next.json().keys, [], 'the next request sees none of the change');
      t.equal(next.json().active, false);
    });

    t.test(`${tier} tier: ${url} on an existing session keeps the previous state`, async (t) => {
      const { app, writes } = await setup();
      t.teardown(() => app.close());
      const jar = new CookieJar();
      jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { step: 1 } }));
      t.equal((await app.inject({ url: '/get/step', headers: { cookie: jar.header() } })).json().value, 1);
      const before = writes();
      const res = await app.inject({ method: 'POST', url, payload: { step: 2, half: 'done' }, headers: { cookie: jar.header() } });
      t.ok(res.statusCode >= 500, `a failed request (${res.statusCode})`);
      t.same(setCookies(res), [], 'no Set-Cookie');
      t.same(writes(), before, 'no store written');
      jar.apply(res);
      const next = await app.inject({ url: '/state', headers: { cookie: jar.header() } });
      t.same(next.json().keys, ['step'], 'the next request does not see the half-done key');
      t.equal((await app.inject({ url: '/get/step', headers: { cookie: jar.header() } })).json().value, 1, 'nor the changed value');
    });
  }

  t.test(`${tier} tier: a handler that ends the session and then fails leaves the session as it was`, async (t) => {
    const { app, writes } = await setup();
    t.teardown(() => app.close());
    const jar = new CookieJar();
    jar.apply(await app.inject({ method: 'POST', url: '/set', payload: { user: 'u1' } }));
    const before = writes();
    const res = await app.inject({ method: 'POST', url: '/terminate-then-throw', headers: { cookie: jar.header() } });
    t.equal(res.statusCode, 500);
    t.same(setCookies(res), [], 'the cookie is not cleared');
    t.same(writes(), before, 'nothing deleted, no tombstone written');
    t.equal((await app.inject({ url: '/get/user', headers: { cookie: jar.header() } })).json().value, 'u1', 'the session still opens');
  });

  t.test(`${tier} tier: a 4xx response still saves (only 5xx responses drop changes)`, async (t) => {
    const { app } = await setup();
    t.teardown(() => app.close());
    const jar = new CookieJar();
    const res = await app.inject({ method: 'POST', url: '/set-then-422', payload: { attempts: 1 } });
    t.equal(res.statusCode, 422);
    t.equal(setCookies(res).length, 1, 'the session cookie is sent');
    jar.apply(res);
    t.equal((await app.inject({ url: '/get/attempts', headers: { cookie: jar.header() } })).json().value, 1);
  });
}
