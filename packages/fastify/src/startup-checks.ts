import type { FastifyInstance } from 'fastify';
import type { ResolvedOptions } from './options.ts';
import type { CookieSettings } from './set-cookies.ts';

/** Whether the app runs on App Engine or Cloud Run (they set these variables in every instance). */
export function onGoogleCloud(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env['GAE_SERVICE'] ?? '') !== '' || (env['K_SERVICE'] ?? '') !== '';
}

/**
 * The cookie settings to use. With `cookie.secure: 'auto'` on App Engine or Cloud Run, TLS ends at Google's
 * front end, so a request looks like plain HTTP unless Fastify trusts the proxy's `X-Forwarded-Proto`
 * (`trustProxy`); there, a request Fastify cannot tell the protocol of gets Secure cookies (see
 * {@link secureByDefault}), which start-up says once.
 */
export function cookieSettings(app: FastifyInstance, opts: ResolvedOptions): CookieSettings {
  if (opts.cookie.secure === 'auto' && onGoogleCloud()) {
    app.log.info(
      "gaes: on App Engine / Cloud Run, `cookie.secure: 'auto'` sends Secure cookies unless Fastify's `trustProxy` " +
        'lets it read X-Forwarded-Proto (then it follows the protocol of each request)',
    );
  }
  return { ...opts.cookie, names: [opts.cookieName, `${opts.cookieName}_`] };
}

/**
 * Whether a request should be treated as HTTPS for the `Secure` attribute although its protocol says HTTP:
 * on Google Cloud, when Fastify does not trust the proxy (`request.ips` exists only with `trustProxy`), the
 * protocol it reports is that of Google's front end to the app, not the browser's.
 */
export function secureByDefault(request: { readonly ips?: readonly string[] | undefined }, cloud: boolean): boolean {
  return cloud && request.ips === undefined;
}

/** Warns, once at start-up, about a configuration that cannot be correct on several instances. */
export function warnAboutInstances(app: FastifyInstance, opts: ResolvedOptions, hasDurable: boolean): void {
  if (opts.cacheScope !== 'process' || hasDurable) return;
  // Where several instances are certain (Google Cloud) or every session is server-side, it is a warning.
  const level = onGoogleCloud() || opts.cookieOnlyThreshold === 0 ? 'warn' : 'info';
  app.log[level](
    'gaes: sessions kept server-side (larger than `cookieOnlyThreshold`) live in this process only ' +
      '(an in-memory cache and no Datastore). With several instances (App Engine, Cloud Run, any load balancer) ' +
      'other instances cannot see them: users get logged out and changes are lost. Pass a shared `cache` ' +
      '(Redis, Memcached) or `datastore`; set `cacheScope: "shared"` only if this app runs as one instance.',
  );
}
