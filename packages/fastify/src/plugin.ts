import { cookieMayBePointer, EnvelopeCache } from '@gaes/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { cookieValue } from './cookie-header.ts';
import { currentRequest } from './current-session.ts';
import { resolveOptions, type GaesSessionOptions } from './options.ts';
import { Session } from './session.ts';
import type { SessionContext } from './session-context.ts';
import { cookieSettings, onGoogleCloud, warnAboutInstances } from './startup-checks.ts';
import { buildStores } from './stores.ts';
import { usersApi, type GaesUsersApi } from './users/gaes-api.ts';
import { RevocationFeed } from './users/revocation-feed.ts';
import { SeenLog } from './users/seen-log.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Users and their sessions (gaes): list a user's sessions, end one, end all. */
    readonly gaes: GaesUsersApi;
  }
  interface FastifyRequest {
    /** The session of this request (gaes). */
    readonly session: Session;
  }
  interface FastifyContextConfig {
    /** `false` skips loading server-side session data before this route's handler. */
    session?: boolean;
  }
}

const kSession = Symbol('gaes.session');
type WithSlot = FastifyRequest & { [kSession]: Session | null };

async function gaeSessions(app: FastifyInstance, input: GaesSessionOptions): Promise<void> {
  const opts = resolveOptions(input);
  const { store, directory, breakers } = await buildStores(opts, app.log);
  warnAboutInstances(app, opts, store.durable !== undefined);
  const cookies = cookieSettings(app, opts);
  const feed = new RevocationFeed({ directory, intervalMs: opts.revocationPollMs, now: opts.now, log: app.log });
  await feed.start();
  const users = { directory, feed, seen: new SeenLog(opts.userSeenIntervalMs) };
  const ctx: SessionContext = { opts, store, envelopes: new EnvelopeCache(opts.cookieCacheSize), cookies, onGoogleCloud: onGoogleCloud(), users };
  app.decorate('gaes', usersApi({ directory, feed, store, lifetimeMs: opts.lifetimeMs, now: opts.now }));
  const [firstName, secondName] = cookies.names.map((name) => `${name}0`) as [string, string];

  app.decorateRequest(kSession, null);
  app.decorateRequest('session', {
    getter(this: FastifyRequest): Session {
      const slot = this as WithSlot;
      return (slot[kSession] ??= new Session(this, ctx));
    },
  });

  if (opts.currentSession) {
    app.addHook('onRequest', (request, _reply, done) => {
      currentRequest.run(request, done);
    });
  }

  // Server-side data is fetched before the handler, once, and only when a cookie points server-side.
  app.addHook('preHandler', (request, _reply, done) => {
    const header = request.headers.cookie;
    const first = header === undefined ? undefined : cookieValue(header, firstName);
    const second = header === undefined ? undefined : cookieValue(header, secondName);
    const pointer = (first !== undefined && cookieMayBePointer(first)) || (second !== undefined && cookieMayBePointer(second));
    if (!pointer || request.routeOptions.config.session === false) {
      done();
      return;
    }
    request.session.load().then(() => done(), done);
  });

  app.addHook('onSend', (request, reply: FastifyReply, payload, done) => {
    const session = (request as WithSlot)[kSession];
    // Responses for failed requests do not save: changes made before an error are dropped.
    if (session === null || reply.statusCode >= 500) {
      done(null, payload);
      return;
    }
    if (!session.needsSave()) {
      session.rememberCookie();
      done(null, payload);
      return;
    }
    session.save(reply).then(
      () => done(null, payload),
      (err: unknown) => done(err as Error),
    );
  });

  app.addHook('onClose', async () => {
    feed.stop();
    for (const breaker of breakers) breaker.close();
    await opts.keyring.close?.();
  });
}

/**
 * The gaes session plugin: `await app.register(gaeSessions, { secret })` gives every request a lazy
 * `request.session`. It reads its own cookies from the `Cookie` header when a session is used, so it needs no
 * cookie plugin (an app may still register `@fastify/cookie` for its own cookies).
 */
export default fp(gaeSessions, { fastify: '5.x', name: '@gaes/fastify' });
