import formbody from '@fastify/formbody';
import { encodeSessionData } from '@gaes/core';
import gaeSessions, { type GaesSessionOptions } from '@gaes/fastify';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { renderPage } from './page.ts';
import { refuseCrossOrigin } from './same-origin.ts';
import { demoSecret } from './secret.ts';
import { sessionRoutes } from './sessions-routes.ts';

declare module '@gaes/fastify' {
  interface SessionData {
    counter: number;
    ballast: string[];
  }
}

const BALLAST_CHUNK_BYTES = 4096;

/**
 * Builds the demo app (used by `main.ts` and by the browser tests). Without `secret` or `keyring` it seals
 * with `SESSION_SECRET` or the built-in demo secret (see {@link demoSecret}).
 * @throws {ConfigError} on App Engine or Cloud Run with nothing but the built-in secret.
 */
export async function buildDemoApp(
  sessionOptions: Partial<GaesSessionOptions> = {},
  serverOptions: FastifyServerOptions & { https?: { key: string | Buffer; cert: string | Buffer } | null } = {},
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, trustProxy: true, ...serverOptions } as FastifyServerOptions);
  await app.register(formbody);
  refuseCrossOrigin(app);
  const options = (
    sessionOptions.keyring === undefined && sessionOptions.secret === undefined ? { secret: demoSecret(process.env), ...sessionOptions } : sessionOptions
  ) as GaesSessionOptions;
  await app.register(gaeSessions, options);
  const threshold = options.cookieOnlyThreshold ?? 10_240;
  const durable = options.datastore !== undefined || options.durableStore !== undefined;

  app.get('/', async (req, reply) => {
    const s = req.session;
    const payloadBytes = s.isActive() ? encodeSessionData(Object.fromEntries(s.entries())).byteLength : 0;
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    return renderPage({
      active: s.isActive(),
      id: s.id,
      tier: s.tier === 'cache' && durable ? 'datastore' : s.tier,
      servedFrom: s.tier,
      cookieCount: s.cookieCount,
      expiresAt: s.expiresAt,
      user: s.userId,
      counter: s.get('counter') ?? 0,
      payloadBytes,
      threshold,
      durable,
    });
  });

  app.get('/api/session', async (req) => ({
    active: req.session.isActive(),
    tier: (req.session.tier === 'cache' && durable ? 'datastore' : req.session.tier) ?? null,
    servedFrom: req.session.tier ?? null,
    cookies: req.session.cookieCount,
    user: req.session.userId ?? null,
    counter: req.session.get('counter') ?? 0,
  }));

  app.post('/increment', async (req, reply) => {
    req.session.set('counter', (req.session.get('counter') ?? 0) + 1);
    return reply.redirect('/', 303);
  });

  app.post('/grow', async (req, reply) => {
    const ballast = [...(req.session.get('ballast') ?? [])];
    ballast.push('x'.repeat(BALLAST_CHUNK_BYTES));
    req.session.set('ballast', ballast);
    return reply.redirect('/', 303);
  });

  app.post('/shrink', async (req, reply) => {
    if (req.session.has('ballast')) req.session.delete('ballast');
    return reply.redirect('/', 303);
  });

  app.post('/login', async (req, reply) => {
    const user = String((req.body as { user?: unknown } | undefined)?.user ?? '').trim().slice(0, 40);
    if (user === '') return reply.code(400).send({ error: 'a name is required' });
    const s = req.session;
    // Someone else signing in on this browser gets a fresh session: nothing of the last user's carries over.
    // With no session yet one is started too, so that the login below is always a regeneration.
    if (!s.isActive() || (s.userId !== undefined && s.userId !== user)) s.start();
    // A new id on login (a session id planted before login is worthless after it). A regenerated session goes
    // to the other cookie slot and names its predecessor, so the browser's next request prefers it over the
    // cookie a parallel request re-set or started meanwhile. Then the binding that lists the session under
    // "Your sessions" and lets another device end it.
    s.regenerateId();
    s.setUser(user);
    return reply.redirect('/', 303);
  });

  app.post('/logout', async (req, reply) => {
    req.session.terminate();
    return reply.redirect('/', 303);
  });

  sessionRoutes(app);

  return app;
}
