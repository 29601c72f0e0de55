/**
 * "Your sessions" in a real browser: two devices (two Chromium contexts, each its own cookie jar and
 * User-Agent) sign in as the same user, each on its own instance of the demo (two apps sharing one cache, as
 * two instances behind a load balancer share Redis), so the device that is signed out learns it from its
 * instance's revocation poll, not from a revocation made in its own process. Sessions live in cookies (the
 * default tier), the case the poll exists for.
 */
import type { Page } from 'playwright-core';
import { Keyv } from 'keyv';
import t from 'tap';
import { browserTest, launchBrowser, openDevice, panel, press, sessionCookies } from './helpers/browser.ts';
import { startDemo } from './helpers/servers.ts';

const REVOCATION_POLL_MS = 200;
/** On top of the poll: the poll's own read, and a request from a page on a loaded 2-core machine. A liveness bound. */
const SLACK_MS = 5000;
/** How long a signed-out device is waited for at most before the test gives up (far beyond the bound). */
const GIVE_UP_MS = 30_000;

const LAPTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const PHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

interface Row {
  readonly handle: string;
  readonly current: boolean;
  readonly device: string;
  readonly hasEnd: boolean;
}

/** The rows of the "Your sessions" table. */
async function rows(page: Page): Promise<Row[]> {
  return page.locator('[data-test="session"]').evaluateAll((trs) =>
    trs.map((tr) => ({
      handle: tr.getAttribute('data-handle') ?? '',
      current: tr.getAttribute('data-current') === 'true',
      device: tr.querySelector('[data-test="device"]')?.textContent?.trim() ?? '',
      hasEnd: tr.querySelector('[data-test="end"]') !== null,
    })),
  );
}

async function logIn(page: Page, base: string, name: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.locator('[data-test="name"]').fill(name);
  await press(page, 'login');
}

/**
 * Asks the demo from the device's page (`fetch('/api/session')`, a request as light as any) until it answers
 * signed out; returns how long that took from `sinceMs` and how many requests it needed. Fails the test past
 * {@link GIVE_UP_MS}.
 */
async function untilSignedOut(page: Page, sinceMs: number): Promise<{ elapsedMs: number; requests: number }> {
  for (let requests = 1; ; requests++) {
    const user = await page.evaluate(async () => ((await (await fetch('/api/session')).json()) as { user: string | null }).user);
    if (user === null) return { elapsedMs: performance.now() - sinceMs, requests };
    if (performance.now() - sinceMs > GIVE_UP_MS) throw new Error(`still signed in ${GIVE_UP_MS} ms after the session was ended`);
    await page.waitForTimeout(20);
  }
}

browserTest(t, 'two devices: each lists both sessions; ending one signs it out; sign out everywhere else keeps this one', async (t) => {
  const cache = new Keyv();
  const options = { cache, cacheScope: 'shared', revocationPoll: `${REVOCATION_POLL_MS}ms` } as const;
  const one = await startDemo(t, options);
  const two = await startDemo(t, options);
  const baseA = `http://127.0.0.1:${one.port}`;
  const baseB = `http://127.0.0.1:${two.port}`;
  const browser = await launchBrowser(t);
  const a = await openDevice(browser, LAPTOP);
  const b = await openDevice(browser, PHONE);

  await logIn(a.page, baseA, 'ada');
  await logIn(b.page, baseB, 'ada');
  t.equal(await panel(a.page, 'user'), 'ada', 'A is signed in');
  t.equal(await panel(b.page, 'user'), 'ada', 'B is signed in');

  // Each device sees both sessions, itself marked; the handles agree across the two instances.
  await a.page.locator('[data-test="sessions-link"]').click();
  await a.page.waitForURL(/\/sessions$/);
  const seenByA = await rows(a.page);
  await b.page.goto(`${baseB}/sessions`);
  const seenByB = await rows(b.page);
  t.equal(seenByA.length, 2, 'A lists two sessions');
  t.same(
    seenByA.map(({ current, device, hasEnd }) => ({ current, device, hasEnd })).sort((x, y) => Number(y.current) - Number(x.current)),
    [
      { current: true, device: 'Chrome on Windows', hasEnd: false },
      { current: false, device: 'Safari on iOS', hasEnd: true },
    ],
    'its own (no End button) and the phone (with one)',
  );
  t.equal(await a.page.locator('[data-test="current"]').count(), 1, 'exactly one marked as this device');
  const handleA = seenByA.find((r) => r.current)?.handle;
  const handleB = seenByA.find((r) => !r.current)?.handle;
  t.same(seenByB.filter((r) => r.current).map((r) => r.handle), [handleB], "B's page marks B's session as current");
  t.same(seenByB.filter((r) => !r.current).map((r) => r.handle), [handleA], "and lists A's as the other");
  t.match(await a.page.locator('[data-test="signed-in"]').first().textContent(), /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/, 'signed-in time shown');

  // A ends B's session (on instance one); B's instance learns of it from its revocation poll.
  await press(a.page, `[data-test="session"][data-handle="${handleB}"] [data-test="end"]`, /\/sessions\?done=ended$/);
  const endedAt = performance.now();
  t.match(await a.page.locator('[data-test="notice"]').textContent(), /Session ended/);
  t.same((await rows(a.page)).map((r) => r.handle), [handleA], 'A now lists only itself');
  t.equal(await a.page.locator('[data-test="end-others"]').count(), 0, 'and offers no "sign out everywhere else"');
  const first = await untilSignedOut(b.page, endedAt);
  t.comment(`B signed out ${first.elapsedMs.toFixed(0)} ms after A ended it (request ${first.requests}; revocationPoll ${REVOCATION_POLL_MS} ms)`);
  t.ok(first.elapsedMs <= REVOCATION_POLL_MS + SLACK_MS, `within revocationPoll + ${SLACK_MS} ms`);
  await b.page.goto(`${baseB}/sessions`);
  t.equal(await b.page.locator('[data-test="signed-out"]').count(), 1, "B's sessions page shows it signed out");
  await b.page.goto(`${baseB}/`);
  t.equal(await panel(b.page, 'user'), '(not logged in)', "B's demo page shows it logged out");
  t.equal(await panel(b.page, 'active'), 'none', 'with no session at all');
  t.same(await sessionCookies(b.context), [], "B's ended cookie was cleared");
  await a.page.goto(`${baseA}/`);
  t.equal(await panel(a.page, 'user'), 'ada', 'A is still signed in');

  // B signs in again; A signs out everywhere else.
  await logIn(b.page, baseB, 'ada');
  t.equal(await panel(b.page, 'user'), 'ada', 'B is signed in again');
  await a.page.goto(`${baseA}/sessions`);
  const again = await rows(a.page);
  t.equal(again.length, 2, "A lists B's new session");
  t.notOk(again.some((r) => r.handle === handleB), 'under a new handle');
  await press(a.page, 'end-others', /\/sessions\?done=others&n=1$/);
  const endedAllAt = performance.now();
  t.match(await a.page.locator('[data-test="notice"]').textContent(), /Signed out 1 other session/);
  t.same((await rows(a.page)).map((r) => r.handle), [handleA], 'A lists only itself');
  const second = await untilSignedOut(b.page, endedAllAt);
  t.comment(`B signed out ${second.elapsedMs.toFixed(0)} ms after "sign out everywhere else" (request ${second.requests})`);
  t.ok(second.elapsedMs <= REVOCATION_POLL_MS + SLACK_MS, `within revocationPoll + ${SLACK_MS} ms`);
  await b.page.goto(`${baseB}/sessions`);
  t.equal(await b.page.locator('[data-test="signed-out"]').count(), 1, "B's sessions page shows it signed out");
  await b.page.goto(`${baseB}/`);
  t.equal(await panel(b.page, 'user'), '(not logged in)', 'B is logged out again');

  // A stays signed in, on its own instance and on the other one (which has polled the revocation by now).
  await a.page.goto(`${baseA}/`);
  t.equal(await panel(a.page, 'user'), 'ada', 'A stays signed in');
  await a.page.goto(`${baseB}/sessions`);
  t.equal(await a.page.locator('[data-test="signed-in-as"]').textContent(), 'ada', 'also on the other instance');
  t.same((await rows(a.page)).map((r) => r.handle), [handleA]);
});
