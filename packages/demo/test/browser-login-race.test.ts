/**
 * A login racing parallel requests, in a real browser: a page's script fires ten fetch() requests at once,
 * one of them the demo's login (POST /login: regenerateId, then setUser) and nine that write the session
 * (POST /increment), and the server holds some responses back so they reach the browser in different
 * orders: random delays (0–200 ms before the handler and 0–200 ms before the response), the login's response
 * first (the nine wait for it), and the login's response last (it waits for the nine). Whatever the order,
 * the browser must hold the logged-in session afterwards. Each order runs from an anonymous session (the
 * nine re-set the old id's cookie) and from no session at all (the nine each start one), for sessions in
 * cookies, server-side in the in-memory cache, and server-side in the Datastore emulator.
 *
 * Chromium sends at most six HTTP/1.1 requests to one host at a time, so four of the ten wait for a free
 * connection; when the nine wait for the login, the login is fired first so that it is among the six.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestTarget } from '@gaes/datastore-emulator';
import type { GaesSessionOptions } from '@gaes/fastify';
import { Datastore } from '@google-cloud/datastore';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { browserTest, launchBrowser, openDevice } from './helpers/browser.ts';
import { startDemo } from './helpers/servers.ts';

const ROUNDS = 5;
const PARALLEL = 10;
const MAX_DELAY_MS = 200;
/** How long a held response waits after the one it waited for, so the browser gets them in that order. */
const GAP_MS = 50;
/** The longest a held response waits for the others (it only matters if they could not be sent at all). */
const GATE_CAP_MS = 10_000;

const ORDERS = ['random', 'login-first', 'login-last'] as const;
const BEFORE = ['anonymous session', 'no session'] as const;
type Order = (typeof ORDERS)[number];

/** What the server does with one of the ten requests (sent as query parameters). */
interface Planned {
  readonly role: 'login' | 'writer';
  readonly beforeMs: number;
  readonly afterMs: number;
}

/** Settled when the login's response, or all nine writers' responses, have been sent. */
interface Gate {
  readonly login: Deferred;
  readonly writers: Deferred;
  writersLeft: number;
}

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

function deferred(): Deferred {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** The ten requests of one run: the login first for `login-first`, else anywhere; delays as the order wants. */
function plan(order: Order): Planned[] {
  const loginAt = order === 'login-first' ? 0 : randomInt(PARALLEL);
  return Array.from({ length: PARALLEL }, (_, i): Planned => {
    const role = i === loginAt ? 'login' : 'writer';
    if (order === 'random') return { role, beforeMs: randomInt(MAX_DELAY_MS + 1), afterMs: randomInt(MAX_DELAY_MS + 1) };
    // Held by the gate, then a gap (random for the nine, spreading them out).
    if (order === 'login-first') return { role, beforeMs: 0, afterMs: role === 'writer' ? randomInt(GAP_MS, MAX_DELAY_MS + 1) : 0 };
    return { role, beforeMs: 0, afterMs: role === 'login' ? GAP_MS : 0 };
  });
}

/** The test's hooks: delays before the handler and before the response, and the gates of the fixed orders. */
function raceHooks(gates: Map<string, Gate>): (app: FastifyInstance) => void {
  const query = (req: { query: unknown }): Record<string, string | undefined> => (req.query ?? {}) as Record<string, string | undefined>;
  return (app) => {
    app.addHook('onRequest', async (req) => {
      const before = Number(query(req).before ?? 0);
      if (before > 0) await sleep(before);
    });
    // Runs after the session plugin's onSend (registered first): the session is saved, its cookies set.
    app.addHook('onSend', async (req, _reply, payload) => {
      const { run, role, order, after } = query(req);
      const gate = run === undefined ? undefined : gates.get(run);
      if (gate !== undefined && order === 'login-first' && role === 'writer') await Promise.race([gate.login.promise, sleep(GATE_CAP_MS)]);
      if (gate !== undefined && order === 'login-last' && role === 'login') await Promise.race([gate.writers.promise, sleep(GATE_CAP_MS)]);
      const afterMs = Number(after ?? 0);
      if (afterMs > 0) await sleep(afterMs);
      return payload;
    });
    app.addHook('onResponse', async (req) => {
      const { run, role } = query(req);
      const gate = run === undefined ? undefined : gates.get(run);
      if (gate === undefined) return;
      if (role === 'login') gate.login.resolve();
      else if (role === 'writer' && --gate.writersLeft === 0) gate.writers.resolve();
    });
  };
}

interface Setup {
  readonly name: string;
  readonly options: (t: Parameters<Parameters<typeof browserTest>[2]>[0]) => Promise<Partial<GaesSessionOptions>>;
  /** Where the logged-in session must live, as `/api/session` reports its tier. */
  readonly tier: string;
}

const SETUPS: readonly Setup[] = [
  { name: 'sessions in cookies', options: async () => ({}), tier: 'cookie' },
  { name: 'server-side sessions in the in-memory cache', options: async () => ({ cookieOnlyThreshold: 0 }), tier: 'cache' },
  {
    name: 'server-side sessions in the Datastore emulator',
    options: async (t) => {
      const target = await startTestTarget(t);
      return { cookieOnlyThreshold: 0, datastore: new Datastore(target.clientOptions), datastoreNamespace: `race${randomBytes(4).toString('hex')}` };
    },
    tier: 'datastore',
  },
];

interface After {
  readonly first: { user: string | null; tier: string | null; counter: number };
  readonly second: { user: string | null; tier: string | null; counter: number };
  readonly shown: string;
}

for (const setup of SETUPS) {
  browserTest(t, `${setup.name}: a login racing nine writes leaves the browser logged in, whatever order the responses arrive in`, async (t) => {
    const gates = new Map<string, Gate>();
    const { port } = await startDemo(t, await setup.options(t), { extend: raceHooks(gates) });
    const browser = await launchBrowser(t);
    // One device for every race; its cookies are cleared between races.
    const { context, page } = await openDevice(browser);
    await page.goto(`http://127.0.0.1:${port}/`);
    // Where the login's response arrived among the ten, per order. Not asserted race by race: a loaded machine
    // may deliver two responses out of the order the server sent them in.
    const places: Record<Order, number[]> = { random: [], 'login-first': [], 'login-last': [] };
    let races = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      for (const before of BEFORE) {
        for (const order of ORDERS) {
          const label = `round ${round}, ${before}, ${order}`;
          const run = `${round}-${before === 'no session' ? 'none' : 'anon'}-${order}`;
          const user = `user-${round}-${order}`;
          gates.set(run, { login: deferred(), writers: deferred(), writersLeft: PARALLEL - 1 });
          await context.clearCookies();
          if (before === 'anonymous session') {
            const started = await page.evaluate(async () => {
              await fetch('/increment', { method: 'POST', redirect: 'manual' });
              return (await (await fetch('/api/session')).json()) as { active: boolean; user: string | null };
            });
            t.match(started, { active: true, user: null }, `${label}: an anonymous session before the race`);
          }

          const planned = plan(order);
          // The ten at once; returns their indexes in the order their responses arrived.
          const arrived = await page.evaluate(
            async ({ planned, run, order, user }) => {
              const answered: number[] = [];
              await Promise.all(
                planned.map(async (p, i) => {
                  const query = `?run=${encodeURIComponent(run)}&role=${p.role}&order=${order}&before=${p.beforeMs}&after=${p.afterMs}`;
                  const init: RequestInit =
                    p.role === 'login' ? { method: 'POST', body: new URLSearchParams({ user }), redirect: 'manual' } : { method: 'POST', redirect: 'manual' };
                  await fetch(`/${p.role === 'login' ? 'login' : 'increment'}${query}`, init);
                  answered.push(i);
                }),
              );
              return answered;
            },
            { planned, run, order, user },
          );
          const place = arrived.indexOf(planned.findIndex((p) => p.role === 'login')) + 1;
          places[order].push(place);

          // The next requests: the session the browser holds is the logged-in one, it stays usable, and the
          // demo page (fetched and parsed here: navigating is slow) shows the user.
          const after = await page.evaluate(async (): Promise<After> => {
            const state = async (): Promise<After['first']> => (await (await fetch('/api/session')).json()) as After['first'];
            const first = await state();
            await fetch('/increment', { method: 'POST', redirect: 'manual' });
            const second = await state();
            const html = await (await fetch('/')).text();
            const shown = new DOMParser().parseFromString(html, 'text/html').querySelector('[data-test="user"]')?.textContent ?? '';
            return { first, second, shown };
          });
          t.equal(after.first.user, user, `${label}: logged in (the login answered ${place} of ${PARALLEL})`);
          t.equal(after.first.tier, setup.tier, `${label}: in the ${setup.tier} tier`);
          t.equal(after.second.user, user, `${label}: still logged in after one more write`);
          t.equal(after.second.counter, after.first.counter + 1, `${label}: which counted`);
          t.equal(after.shown, user, `${label}: the demo page shows the user`);
          gates.delete(run);
          races++;
        }
      }
    }
    for (const order of ORDERS) t.comment(`${order}: the login's response arrived ${places[order].join(', ')} of ${PARALLEL}`);
    t.ok(places['login-first'].includes(1), 'in some races the login answered first');
    t.ok(places['login-last'].includes(PARALLEL), 'in some it answered last');
    t.equal(races, ROUNDS * BEFORE.length * ORDERS.length, `${races} races`);
  });
}
