import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The methods that change something, and so must come from the app's own pages. */
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The body of the 403 a cross-origin request gets. */
export const CROSS_ORIGIN_REFUSED = { error: 'cross-origin request refused', code: 'ERR_DEMO_CROSS_ORIGIN' } as const;

function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.origin === 'null' ? undefined : parsed.origin;
  } catch {
    return undefined;
  }
}

/**
 * Whether a state-changing request comes from the app's own pages (a CSRF defence on top of the session
 * cookie's `SameSite=Lax`, which already keeps it off cross-site POSTs): its `Origin` must be this server's
 * origin (scheme from `trustProxy`, host with port). Browsers send `Origin` on every POST; without it, the
 * request passes only if `Sec-Fetch-Site` is absent too (not a browser, so no ambient cookie to abuse) or says
 * `same-origin`. `Origin: null` (sandboxed frames, opaque redirects) is refused.
 */
export function isSameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) {
    const site = request.headers['sec-fetch-site'];
    return site === undefined || site === 'same-origin';
  }
  const own = originOf(`${request.protocol}://${request.host}`);
  return own !== undefined && originOf(origin) === own;
}

/** Refuses (403) every POST, PUT, PATCH or DELETE that {@link isSameOrigin} does not accept. */
export function refuseCrossOrigin(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (UNSAFE.has(request.method) && !isSameOrigin(request)) return reply.code(403).send(CROSS_ORIGIN_REFUSED);
  });
}
