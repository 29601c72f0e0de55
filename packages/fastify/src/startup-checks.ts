import type { FastifyInstance } from 'fastify';
import type { ResolvedOptions } from './options.ts';
import type { CookieSettings } from './set-cookies.ts';

/** Whether the app runs on App Engine or Cloud Run (they set these variables in every instance). */
export function onGoogleCloud(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env['GAE_SERVICE'] ?? '') !== '' || (env['K_SERVICE'] ?? '') !== '';
}

/**
 * The cookie settings to use. With `cookie.secure: 'auto'` on App Engine or Cloud Run, where TLS ends at
 * Google's front end, a request looks like plain HTTP unless Fastify trusts the proxy's
 * `X-Forwarded-Proto`; without `trustProxy`, `'auto'` would send every cookie without `Secure`, so there it
 * means `true` (and says so once).
 */
export function cookieSettings(app: FastifyInstance, opts: ResolvedOptions): CookieSettings {
  let secure = opts.cookie.secure;
  const trustProxy = (app.initialConfig as { trustProxy?: unknown }).trustProxy;
  if (secure === 'auto' && onGoogleCloud() && (trustProxy === undefined || trustProxy === false)) {
    secure = true;
    app.log.info(
      'gaes: on App Engine / Cloud Run without `trustProxy`, session cookies are always sent with Secure ' +
        "(set Fastify's `trustProxy: true` to let `cookie.secure: 'auto'` read X-Forwarded-Proto)",
    );
  }
  return { ...opts.cookie, secure, names: [opts.cookieName, `${opts.cookieName}_`] };
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
