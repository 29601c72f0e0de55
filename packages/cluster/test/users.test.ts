import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { startEmulatorProcess, type ClusterClient } from '../src/index.ts';
import { SIGNED_OUT_CODE, type MeBody, type SessionsBody } from '../src/user-routes.ts';
import { commentLogs, redisForFile, startPair, type Pair } from './helpers/pair.ts';

// Users across two real processes over one emulator process and one Redis: three devices (cookie jars) sign
// in on alternating instances; the user's sessions are listed and ended from either instance, and a device
// whose requests go to the other instance is refused there within the revocation poll.
const REVOCATION_POLL_MS = 300;
/**
 * What the revocation bound may exceed `revocationPoll` by here: the other instance's poll query to the
 * emulator, one request of the checking loop, and event-loop lag on a shared, loaded 2-core machine.
 */
const SLACK_MS = 1000;
const BOUND_MS = REVOCATION_POLL_MS + SLACK_MS;
/** How long to keep asking before giving up (well past the bound, to report how late a late refusal was). */
const GIVE_UP_MS = 10_000;
const USER = 'alice';
const A = 0;
const B = 1;

const emulator = await startEmulatorProcess();
t.teardown(() => emulator.stop());
const redisUrl = await redisForFile(t);

type Tier = 'cookie' | 'server';

async function me(browser: ClusterClient, instance: number, cookieHeader?: string): Promise<{ status: number; body: MeBody & { code?: string } }> {
  const res = await browser.get<MeBody & { code?: string }>(instance, '/users/me', cookieHeader === undefined ? {} : { cookieHeader });
  if (res.status !== 200 && res.status !== 401) throw new Error(`GET /users/me on #${instance} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res;
}

/**
 * How long (ms) until `instance` refuses `cookieHeader` (401), asking every 10 ms, and how many times it was
 * accepted first; `elapsedMs` is `undefined` after GIVE_UP_MS.
 */
async function untilRefused(browser: ClusterClient, instance: number, cookieHeader: string): Promise<{ elapsedMs: number | undefined; accepted: number }> {
  const started = performance.now();
  for (let accepted = 0; ; accepted++) {
    const res = await me(browser, instance, cookieHeader);
    const elapsedMs = performance.now() - started;
    if (res.status === 401) return { elapsedMs, accepted };
    if (elapsedMs > GIVE_UP_MS) return { elapsedMs: undefined, accepted };
    await sleep(10);
  }
}

/**
 * Asserts that `instance` refuses `cookieHeader` within the bound, and reports when. A server-side session is
 * ended in the shared stores, so with `atOnce` its very first request must be refused already.
 */
async function refusedWithin(t: Test, browser: ClusterClient, instance: number, cookieHeader: string, what: string, atOnce: boolean): Promise<void> {
  const { elapsedMs, accepted } = await untilRefused(browser, instance, cookieHeader);
  const shown = `${elapsedMs === undefined ? `not within ${GIVE_UP_MS} ms` : `after ${Math.round(elapsedMs)} ms`}, accepted ${accepted} times first`;
  t.ok(elapsedMs !== undefined && elapsedMs <= BOUND_MS, `${what}: #${instance} refuses it ${shown} (bound: revocationPoll ${REVOCATION_POLL_MS} ms + slack ${SLACK_MS} ms)`);
  if (atOnce) t.equal(accepted, 0, `${what}: a server-side session is refused on #${instance} from its first request on`);
}

async function refusedNow(t: Test, browser: ClusterClient, instance: number, cookieHeader: string, what: string): Promise<void> {
  const res = await me(browser, instance, cookieHeader);
  t.match(res, { status: 401, body: { code: SIGNED_OUT_CODE } }, `${what}: #${instance} refuses it at once`);
}

async function worksOnBoth(t: Test, browser: ClusterClient, handle: string, what: string): Promise<void> {
  for (const instance of [A, B]) {
    const res = await me(browser, instance);
    t.match(res, { status: 200, body: { userId: USER, handle } }, `${what} works on #${instance}`);
  }
}

async function login(t: Test, browser: ClusterClient, instance: number, device: string, tier: Tier): Promise<string> {
  const res = await browser.post<MeBody>(instance, `/users/login/${USER}?device=${device}`);
  t.equal(res.status, 200, `${device} signs in on #${instance}`);
  const check = await me(browser, instance === A ? B : A);
  t.match(check.body, { userId: USER, handle: res.body.handle, device }, `${device}'s new session opens on the other instance`);
  if (tier === 'cookie') t.equal(check.body.tier, 'cookie', `${device}'s session lives in its cookie`);
  else t.not(check.body.tier, 'cookie', `${device}'s session lives server-side (${String(check.body.tier)})`);
  return res.body.handle as string;
}

async function sessions(browser: ClusterClient, instance: number): Promise<SessionsBody> {
  const res = await browser.get<SessionsBody>(instance, '/users/sessions');
  if (res.status !== 200) throw new Error(`GET /users/sessions on #${instance} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function usersSuite(t: Test, pair: Pair, tier: Tier): Promise<void> {
  // Device i sends its requests to instance i % 2: d0 and d2 to A, d1 to B.
  const devices = [pair.browser(), pair.browser(), pair.browser()] as const;
  const [d0, d1, d2] = devices;
  const handles: string[] = [];

  await t.test('2a. three devices sign in on alternating instances', async (t) => {
    for (const [i, device] of devices.entries()) handles.push(await login(t, device, i % 2, `d${i}`, tier));
    t.equal(new Set(handles).size, 3, 'three distinct handles');
    for (const [i, device] of devices.entries()) await worksOnBoth(t, device, handles[i] as string, `d${i}`);
  });

  await t.test('2b. listSessions on A shows all three; B lists the same', async (t) => {
    const onA = await sessions(d0, A);
    t.same(onA.sessions.map((s) => s.handle).sort(), [...handles].sort(), 'A lists the three sessions');
    t.same(onA.sessions.filter((s) => s.current === true).map((s) => s.handle), [handles[0]], "only d0's is marked current");
    const onB = await sessions(d1, B);
    t.same(onB.sessions.map((s) => s.handle).sort(), [...handles].sort(), 'B lists the same three');
  });

  await t.test("2c. endSession on A of d1, whose requests go to B: B refuses it within the poll", async (t) => {
    const old1 = d1.jar.header();
    const end = await d0.post<{ ended: boolean }>(A, `/users/end/${handles[1] as string}`);
    t.match(end, { status: 200, body: { ended: true } }, 'A ends the session');
    await refusedWithin(t, d1, B, old1, "d1's cookie", tier === 'server');
    await refusedNow(t, d1, A, old1, "d1's cookie");
    await worksOnBoth(t, d0, handles[0] as string, 'd0');
    await worksOnBoth(t, d2, handles[2] as string, 'd2');
    t.same((await sessions(d0, A)).sessions.map((s) => s.handle).sort(), [handles[0], handles[2]].sort(), 'A lists the other two');
    t.match(await d0.post(A, `/users/end/${handles[1] as string}`), { status: 200, body: { ended: false } }, 'ending it again ends nothing');
    const own = await me(d1, B);
    t.equal(own.status, 401, 'd1 itself is signed out on B');
    t.equal(d1.jar.size, 0, "and d1's cookies are cleared");
    handles[1] = await login(t, d1, B, 'd1', tier);
    await worksOnBoth(t, d1, handles[1], 'd1 signed in again');
  });

  await t.test('2d. endAllSessions except the current one, on B: the others are refused on A and B', async (t) => {
    const old0 = d0.jar.header();
    const old1 = d1.jar.header();
    const end = await d2.post<{ ended: number }>(B, '/users/end-others');
    t.match(end, { status: 200, body: { ended: 2 } }, 'B ends the two other sessions');
    await refusedNow(t, d0, B, old0, "d0's cookie");
    await refusedNow(t, d1, B, old1, "d1's cookie");
    await refusedWithin(t, d0, A, old0, "d0's cookie", tier === 'server');
    await refusedWithin(t, d1, A, old1, "d1's cookie", tier === 'server');
    await worksOnBoth(t, d2, handles[2] as string, 'd2 (the current session)');
    await sleep(2 * REVOCATION_POLL_MS);
    await worksOnBoth(t, d2, handles[2] as string, 'd2, once both instances have polled');
    t.same((await sessions(d2, A)).sessions.map((s) => s.handle), [handles[2]], 'A lists d2 alone');
  });

  await t.test('2e. signing in afterwards works on both instances', async (t) => {
    handles[0] = await login(t, d0, A, 'd0', tier);
    handles[1] = await login(t, d1, B, 'd1', tier);
    await sleep(2 * REVOCATION_POLL_MS);
    for (const [i, device] of devices.entries()) await worksOnBoth(t, device, handles[i] as string, `d${i}, once both instances have polled,`);
    t.same((await sessions(d0, B)).sessions.map((s) => s.handle).sort(), [...handles].sort(), 'B lists the three sessions');
  });
  commentLogs(t, pair);
}

const setups: ReadonlyArray<{ readonly title: string; readonly tier: Tier; readonly options: Record<string, unknown> }> = [
  { title: 'cookie-tier sessions (default threshold)', tier: 'cookie', options: { revocationPoll: `${REVOCATION_POLL_MS}ms` } },
  { title: 'server-side sessions (cookieOnlyThreshold 0)', tier: 'server', options: { revocationPoll: `${REVOCATION_POLL_MS}ms`, cookieOnlyThreshold: 0 } },
];

// One set-up at a time: the revocation bound is measured, and four processes loading at once would stretch it.
for (const { title, tier, options } of setups) {
  t.test(title, { buffered: true, skip: redisUrl === undefined ? 'no redis (see above)' : false }, async (t) => {
    const pair = await startPair(t, { emulator, redisUrl, options });
    await usersSuite(t, pair, tier);
  });
}
