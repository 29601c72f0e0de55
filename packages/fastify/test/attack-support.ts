/**
 * Shared pieces of the attack suites: an app whose logger (level debug) writes to a captured stream,
 * a probe route, and the check every attack must pass: no 5xx, a fresh (or the attacker's own) session,
 * none of another session's data, and a gaes log line saying why.
 *
 * The checklist (OWASP Session Management Cheat Sheet): fixation (attack-fixation), replay after
 * terminate or regenerate and the limits of stateless cookies (attack-replay), forged and confused seals
 * and ids (attack-forgery), cookie bombs (attack-cookie-bomb), expired sessions with data still stored
 * (attack-expired), memory exhaustion through the cookie cache (attack-memory), races with terminate
 * (concurrency-terminate). The cron endpoints called without their header belong to @gaes/cli and are
 * tested there (packages/cli/test/cron-routes.test.ts).
 */
import { Buffer } from 'node:buffer';
import { KeyRing, seal, SealPurpose, sealToString, type SealAlgorithm } from '@gaes/core';
import { LogCapture } from '@gaes/test-support/logs';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Test } from 'tap';
import type { GaesSessionOptions } from '../src/index.ts';
import { buildApp, SECRET_A, setCookies } from './helpers/app.ts';

/** What `/probe` answers. */
export interface Probe {
  readonly active: boolean;
  readonly id: string | null;
  readonly user: string | null;
  readonly keys: string[];
}

/** `buildApp` with a debug logger captured in memory, and `/probe` and `/login` routes. */
export async function attackApp(
  options: Partial<GaesSessionOptions> = {},
  fastifyOptions: Record<string, unknown> = {},
  extraRoutes?: (app: FastifyInstance) => void,
): Promise<{ app: FastifyInstance; logs: LogCapture }> {
  const logs = new LogCapture();
  const app = await buildApp(options, { logger: { level: 'debug', stream: logs.stream }, ...fastifyOptions }, (app) => {
    app.get('/probe', async (req) => {
      // Data first: cookie-tier data is decoded on first access, and undecodable data ends the session.
      const user = (req.session.get('user') as string | undefined) ?? null;
      const keys = req.session.keys();
      return { active: req.session.isActive(), id: req.session.id ?? null, user, keys };
    });
    // A login as the README recommends: a new id, then the user.
    app.post('/login', async (req) => {
      req.session.regenerateId();
      req.session.set('user', (req.body as { user: string }).user);
      return { id: req.session.id };
    });
    extraRoutes?.(app);
  });
  return { app, logs };
}

/** Sends `cookie` to `/probe`, with a clean log. */
export async function probe(
  app: FastifyInstance,
  logs: LogCapture,
  cookie: string,
  headers: Record<string, string> = {},
): Promise<{ res: LightMyRequestResponse; state: Probe }> {
  logs.clear();
  const res = await app.inject({ url: '/probe', headers: { ...headers, cookie } });
  return { res, state: res.statusCode === 200 ? (res.json() as Probe) : { active: false, id: null, user: null, keys: [] } };
}

/**
 * The outcome every attack must have: a 2xx/4xx (never 5xx), no active session (unless `allowId`, the
 * attacker's own), none of `victimUser`'s data, and a gaes debug line whose reason matches `reason`.
 */
export function assertRepelled(
  t: Test,
  outcome: { res: LightMyRequestResponse; state: Probe },
  logs: LogCapture,
  expect: { reason: RegExp; victimUser?: string; plantedId?: string; cleared?: boolean },
): void {
  const { res, state } = outcome;
  t.ok(res.statusCode < 500, `no 5xx (got ${res.statusCode})`);
  t.equal(state.active, false, 'no session adopted: a fresh one');
  if (expect.plantedId !== undefined) t.not(state.id, expect.plantedId, 'the planted id is not in use');
  if (expect.victimUser !== undefined) t.not(state.user, expect.victimUser, "none of the victim's data");
  const lines = logs.gaes().filter((l) => l.level === 20 && expect.reason.test(String(l.reason)));
  t.ok(lines.length > 0, `a debug line with reason ${String(expect.reason)} (got ${JSON.stringify(logs.gaes().map((l) => l.reason))})`);
  t.same(logs.errors(), [], 'nothing logged at error level');
  if (expect.cleared !== false) {
    t.ok(
      setCookies(res).some((h) => /^gaes_?0=; Max-Age=0/.test(h)),
      'the bad cookie is cleared',
    );
  }
}

/** The ring of the test apps' default secret, for crafting seals an attacker could not make. */
export const ringA = new KeyRing(SECRET_A);

/** A cookie value sealed with the app's own key around an arbitrary plaintext id region. */
export function craftCookie(
  idBytes: Buffer | string,
  options: { pointer?: boolean; lastActiveMs?: number; data?: Uint8Array; algorithm?: SealAlgorithm } = {},
): string {
  const id = typeof idBytes === 'string' ? Buffer.from(idBytes, 'latin1') : idBytes;
  const time = Buffer.alloc(8);
  time.writeDoubleBE(options.lastActiveMs ?? Date.now());
  const data = options.pointer === true ? Buffer.alloc(0) : Buffer.from(options.data ?? Buffer.from('\u0001{"user":"forged"}'));
  const purpose = options.pointer === true ? SealPurpose.pointer : SealPurpose.cookie;
  return sealToString(seal(ringA, purpose, Buffer.concat([id, time, data]), undefined, options.algorithm));
}
