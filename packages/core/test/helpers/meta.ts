import { newSessionHandle, type SessionMeta } from '../../src/session-meta.ts';

/** Session meta for tests: a fresh handle, no user, no predecessor; `lastActiveMs` as given. */
export function testMeta(lastActiveMs: number, overrides: Partial<SessionMeta> = {}): SessionMeta {
  return { rev: 0, lastActiveMs, createdAtMs: 0, handle: newSessionHandle(), user: undefined, predecessor: undefined, ...overrides };
}
