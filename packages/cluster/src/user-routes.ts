import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** What `POST /users/login/:user` and `GET /users/me` answer. */
export interface MeBody {
  readonly userId: string;
  readonly handle: string | null;
  readonly device: string | null;
  readonly tier: string | null;
}

/** One entry of `app.gaes.listSessions`, as `GET /users/sessions` sends it (dates as ISO strings). */
export interface SessionInfoBody {
  readonly handle: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly expiresAt: string;
  readonly userAgent?: string;
  readonly current?: boolean;
}

/** What `GET /users/sessions` answers. */
export interface SessionsBody {
  readonly userId: string;
  readonly sessions: readonly SessionInfoBody[];
}

/** The body of a 401 from the `/users/…` routes: the request's session is bound to no user (or was ended). */
export const SIGNED_OUT_CODE = 'ERR_GAES_CLUSTER_SIGNED_OUT';

function me(request: FastifyRequest, userId: string): MeBody {
  const { session } = request;
  const device = session.get('device');
  return { userId, handle: session.handle ?? null, device: typeof device === 'string' ? device : null, tier: session.tier ?? null };
}

/** The signed-in user of the request, or `undefined` after answering 401. */
function signedIn(request: FastifyRequest, reply: FastifyReply): string | undefined {
  const userId = request.session.userId;
  if (userId === undefined) void reply.code(401).send({ code: SIGNED_OUT_CODE, message: 'no signed-in user' });
  return userId;
}

/**
 * The user routes of one registration of the plugin, built on its public API only:
 * `POST /users/login/:user?device=` (`regenerateId({ keepData: false })`, `setUser`, and the device name as
 * data), `GET /users/me`, `GET /users/sessions` (`app.gaes.listSessions`, the current one marked),
 * `POST /users/end/:handle` (`app.gaes.endSession` for the signed-in user) and `POST /users/end-others`
 * (`app.gaes.endAllSessions` except the current one). Every route but login answers 401 with
 * {@link SIGNED_OUT_CODE} when the session is bound to no user.
 */
export function userRoutes(scope: FastifyInstance): void {
  scope.post<{ Params: { user: string }; Querystring: { device?: string } }>('/users/login/:user', async (request) => {
    const { session } = request;
    session.regenerateId({ keepData: false });
    session.setUser(request.params.user);
    if (typeof request.query.device === 'string') session.set('device', request.query.device);
    return me(request, request.params.user);
  });
  scope.get('/users/me', async (request, reply) => {
    const userId = signedIn(request, reply);
    return userId === undefined ? reply : me(request, userId);
  });
  scope.get('/users/sessions', async (request, reply) => {
    const userId = signedIn(request, reply);
    if (userId === undefined) return reply;
    return { userId, sessions: await scope.gaes.listSessions(userId, { current: request.session.handle }) };
  });
  scope.post<{ Params: { handle: string } }>('/users/end/:handle', async (request, reply) => {
    const userId = signedIn(request, reply);
    if (userId === undefined) return reply;
    return { ended: await scope.gaes.endSession(userId, request.params.handle) };
  });
  scope.post('/users/end-others', async (request, reply) => {
    const userId = signedIn(request, reply);
    if (userId === undefined) return reply;
    return { ended: await scope.gaes.endAllSessions(userId, { except: request.session.handle }) };
  });
}
