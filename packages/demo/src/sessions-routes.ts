import type { FastifyInstance, FastifyRequest } from 'fastify';
import { renderSessionsPage, type SessionsNotice } from './sessions-page.ts';

/** The most sessions a "signed out N others" notice reports (the number comes back in the URL). */
const MAX_NOTICE_COUNT = 10_000;

/** A text field of a urlencoded form, or `''`. */
function formField(request: FastifyRequest, name: string): string {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/** The notice named by the redirect after an action (`?done=`); anything else shows none. */
function noticeFrom(query: unknown): SessionsNotice | undefined {
  const { done, n } = (query ?? {}) as Record<string, unknown>;
  if (done === 'ended' || done === 'gone') return { kind: done };
  if (done !== 'others' || typeof n !== 'string' || !/^\d{1,5}$/.test(n)) return undefined;
  return { kind: 'others', count: Math.min(Number(n), MAX_NOTICE_COUNT) };
}

/**
 * "Your sessions": `GET /sessions` lists the signed-in user's sessions (`app.gaes.listSessions`),
 * `POST /sessions/end` ends one of them by its handle (`app.gaes.endSession`; the current one is logged out
 * instead) and `POST /sessions/end-others` ends all but the current one (`app.gaes.endAllSessions`). The
 * POSTs answer 303 back to the list; they are same-origin only (see `refuseCrossOrigin`).
 */
export function sessionRoutes(app: FastifyInstance): void {
  app.get('/sessions', async (req, reply) => {
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    const user = req.session.userId;
    if (user === undefined) return renderSessionsPage({ user, sessions: [] });
    const sessions = await req.server.gaes.listSessions(user, { current: req.session.handle });
    return renderSessionsPage({ user, sessions, notice: noticeFrom(req.query) });
  });

  app.post('/sessions/end', async (req, reply) => {
    const user = req.session.userId;
    if (user === undefined) return reply.redirect('/sessions', 303);
    const handle = formField(req, 'handle');
    if (handle === req.session.handle) {
      req.session.terminate(); // ending this very session is a log out
      return reply.redirect('/', 303);
    }
    const ended = await req.server.gaes.endSession(user, handle);
    return reply.redirect(`/sessions?done=${ended ? 'ended' : 'gone'}`, 303);
  });

  app.post('/sessions/end-others', async (req, reply) => {
    const user = req.session.userId;
    if (user === undefined) return reply.redirect('/sessions', 303);
    const count = await req.server.gaes.endAllSessions(user, { except: req.session.handle });
    return reply.redirect(`/sessions?done=others&n=${count}`, 303);
  });
}
