import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyRequest } from 'fastify';
import type { Session } from './session.ts';

/** @internal The request being served, when the plugin runs with `currentSession: true`. */
export const currentRequest = new AsyncLocalStorage<FastifyRequest>();

/**
 * The session of the request being served, for code far from the request object
 * (the original library's `get_current_session`). Needs the plugin option `currentSession: true`;
 * returns `undefined` outside a request.
 */
export function getCurrentSession(): Session | undefined {
  return currentRequest.getStore()?.session;
}
