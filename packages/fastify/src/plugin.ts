import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { currentRequest } from './current-session.ts';
import { KeyvSessionStore } from './keyv-store.ts';
import { loadDatastore } from './load-datastore.ts';
import { resolveOptions, type GaesSessionOptions, type ResolvedOptions } from './options.ts';
import { cookieMayBePointer, EnvelopeCache, type SessionStore } from '@gaes/core';
import { Session, type SessionContext } from './session.ts';
import { TieredStore } from './tiered-store.ts';

declare module 'fastify' {
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

/** Builds the Datastore tier; `@gaes/datastore` (and the gRPC client) load only when it is configured. */
async function datastoreStore(config: NonNullable<ResolvedOptions['datastore']>, now: () => number): Promise<SessionStore> {
  const { DatastoreSessionStore } = await loadDatastore();
  return new DatastoreSessionStore({ datastore: config.client, kind: config.kind, namespace: config.namespace, retry: config.retry, now });
}

async function gaeSessions(app: FastifyInstance, input: GaesSessionOptions): Promise<void> {
  const opts = resolveOptions(input);
  if (!app.hasDecorator('parseCookie')) await app.register(fastifyCookie);
  const cache = new KeyvSessionStore(opts.cache, {
    keyPrefix: opts.cacheKeyPrefix,
    timeoutMs: opts.cacheTimeoutMs,
    log: app.log,
    now: opts.now,
  });
  const durable = opts.datastore === undefined ? opts.durableStore : await datastoreStore(opts.datastore, opts.now);
  const ctx: SessionContext = {
    opts,
    store: new TieredStore(cache, durable, app.log),
    envelopes: new EnvelopeCache(opts.cookieCacheSize),
  };
  const firstCookie = `${opts.cookieName}0`;

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

  // Server-side data is fetched before the handler, once, and only when the cookie points server-side.
  app.addHook('preHandler', (request, _reply, done) => {
    const value = (request.cookies as Record<string, string | undefined> | undefined)?.[firstCookie];
    if (value === undefined || !cookieMayBePointer(value) || request.routeOptions.config.session === false) {
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
    await opts.keyring.close?.();
  });
}

/**
 * The gaes session plugin: `await app.register(gaeSessions, { secret })` gives every request a lazy
 * `request.session`. Registers `@fastify/cookie` when the app has not.
 */
export default fp(gaeSessions, { fastify: '5.x', name: '@gaes/fastify' });
