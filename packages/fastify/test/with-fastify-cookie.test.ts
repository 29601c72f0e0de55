/**
 * gaes reads the Cookie header itself and writes its own Set-Cookie headers, so it neither needs nor registers
 * @fastify/cookie; an app that registers @fastify/cookie for its own cookies (before or after gaes, signed or
 * not) keeps working, and both sets of cookies reach the browser.
 */
import fastifyCookie from '@fastify/cookie';
import { Client, setCookieHeaders } from '@gaes/test-support/cookie-jar';
import Fastify, { type FastifyInstance } from 'fastify';
import t from 'tap';
import gaeSessions from '../src/index.ts';
import { SECRET_A } from './helpers/app.ts';

async function app(order: 'cookie-first' | 'gaes-first' | 'gaes-alone'): Promise<FastifyInstance> {
  const app = Fastify();
  if (order === 'cookie-first') await app.register(fastifyCookie, { secret: 'an-app-cookie-signing-secret' });
  await app.register(gaeSessions, { secret: SECRET_A });
  if (order === 'gaes-first') await app.register(fastifyCookie, { secret: 'an-app-cookie-signing-secret' });
  app.get('/visit', async (request, reply) => {
    const visits = ((request.session.get('visits') as number | undefined) ?? 0) + 1;
    request.session.set('visits', visits);
    if (order !== 'gaes-alone') reply.setCookie('theme', 'dark', { path: '/', signed: true });
    return { visits };
  });
  app.get('/theme', async (request) => ({ theme: request.unsignCookie(request.cookies.theme ?? '').value }));
  return app;
}

for (const order of ['cookie-first', 'gaes-first'] as const) {
  t.test(`@fastify/cookie registered ${order === 'cookie-first' ? 'before' : 'after'} gaes`, async (t) => {
    const server = await app(order);
    t.teardown(() => server.close());
    const browser = new Client(server);
    for (let i = 1; i <= 3; i++) {
      const res = await browser.request('GET', '/visit');
      t.same(res.json(), { visits: i });
      const names = setCookieHeaders(res).map((c) => c.split('=')[0] as string);
      t.ok(names.includes('theme'), "the app's own cookie is set");
      t.ok(names.some((n) => n.startsWith('gaes')), 'the session cookie is set beside it');
    }
    const theme = await browser.request('GET', '/theme');
    t.same(theme.json(), { theme: 'dark' }, "the app's signed cookie reads back through @fastify/cookie");
  });
}

t.test('without @fastify/cookie, gaes alone works and adds no cookie API', async (t) => {
  const server = await app('gaes-alone');
  t.teardown(() => server.close());
  const browser = new Client(server);
  for (let i = 1; i <= 2; i++) {
    const res = await browser.request('GET', '/visit');
    t.same(res.json(), { visits: i });
  }
  t.notOk(server.hasReplyDecorator('setCookie'), 'no reply.setCookie: gaes does not register @fastify/cookie');
});
