/**
 * The demo app driven by a real browser (headless Chromium): log in, a counter kept across page loads,
 * a session that grows past the cookie threshold into the cache and shrinks back, log out leaving no
 * session cookie, and HttpOnly cookies hidden from page scripts.
 */
import { Keyv } from 'keyv';
import t from 'tap';
import { browserTest, launch, panel, press, sessionCookies } from './helpers/browser.ts';
import { startDemo } from './helpers/servers.ts';

browserTest(t, 'log in, then the counter increments and survives page loads', async (t) => {
  const { port } = await startDemo(t);
  const { context, page } = await launch(t);
  const base = `http://127.0.0.1:${port}/`;
  await page.goto(base);
  t.equal(await panel(page, 'active'), 'none', 'no session before anything is stored');
  t.same(await sessionCookies(context), [], 'no cookie for a visit that stores nothing');
  await page.locator('[data-test="name"]').fill('ada');
  await press(page, 'login');
  t.equal(await panel(page, 'user'), 'ada');
  t.equal(await panel(page, 'active'), 'active');
  t.equal(await panel(page, 'tier'), 'cookie');
  for (let i = 1; i <= 3; i++) {
    await press(page, 'increment');
    t.equal(await panel(page, 'counter'), String(i), `counter ${i}`);
  }
  await page.reload();
  t.equal(await panel(page, 'counter'), '3', 'kept across a reload');
  const second = await context.newPage();
  await second.goto(base);
  t.equal(await panel(second, 'counter'), '3', 'and in another tab');
  t.equal(await panel(second, 'user'), 'ada');
  const cookies = await sessionCookies(context);
  t.equal(cookies.length, 1);
  t.match(cookies[0], { name: /^gaes_?0$/, httpOnly: true, secure: false, sameSite: 'Lax' });
});

browserTest(t, 'growing past the threshold moves the session server-side, shrinking brings it back', async (t) => {
  const map = new Map<string, unknown>();
  const cache = new Keyv({ store: map });
  const { port } = await startDemo(t, { cache });
  const { context, page } = await launch(t);
  await page.goto(`http://127.0.0.1:${port}/`);
  await press(page, 'increment');
  await press(page, 'grow');
  await press(page, 'grow');
  t.equal(await panel(page, 'tier'), 'cookie', '8 KB still fits the cookies');
  const chunks = Number(await panel(page, 'cookies'));
  t.ok(chunks >= 2, `split over ${chunks} cookies`);
  t.equal((await sessionCookies(context)).length, chunks, 'the browser holds every chunk');
  await press(page, 'grow');
  t.equal(await panel(page, 'tier'), 'cache', 'past 10 KB: server-side');
  t.equal([...map.keys()].filter((k) => k.includes('gaes:')).length, 1, 'one cache entry');
  t.equal(await panel(page, 'cookies'), '1');
  t.same((await sessionCookies(context)).map((c) => c.name), ['gaes0'], 'stale chunks cleared from the jar');
  t.equal(await panel(page, 'counter'), '1', 'data kept on the move');
  await page.reload();
  t.equal(await panel(page, 'tier'), 'cache', 'still server-side on the next load');
  await press(page, 'shrink');
  t.equal(await panel(page, 'tier'), 'cookie', 'back in the cookie');
  t.equal(await panel(page, 'counter'), '1');
  const left = [...map.keys()].filter((k) => k.includes('gaes:'));
  t.same(left, [], 'the server-side copy is deleted after moving back');
});

browserTest(t, 'log out leaves no session cookie in the jar (cookie tier and server-side)', async (t) => {
  const map = new Map<string, unknown>();
  const cache = new Keyv({ store: map });
  const { port } = await startDemo(t, { cache });
  const { context, page } = await launch(t);
  await page.goto(`http://127.0.0.1:${port}/`);
  for (const grow of [0, 3]) {
    await page.locator('[data-test="name"]').fill('grace');
    await press(page, 'login');
    for (let i = 0; i < grow; i++) await press(page, 'grow');
    t.equal(await panel(page, 'tier'), grow === 0 ? 'cookie' : 'cache');
    t.ok((await sessionCookies(context)).length > 0, 'logged in: a session cookie');
    await press(page, 'logout');
    t.equal(await panel(page, 'active'), 'none');
    t.equal(await panel(page, 'user'), '(not logged in)');
    t.same(await sessionCookies(context), [], `logged out (${grow === 0 ? 'cookie tier' : 'server-side'}): no session cookie left`);
    t.same([...map.keys()].filter((k) => k.includes('gaes:') && !k.includes(':ended:')), [], 'nothing left server-side (a logout tombstone may remain)');
  }
});

browserTest(t, 'HttpOnly session cookies are invisible to document.cookie', async (t) => {
  const { port } = await startDemo(t);
  const { context, page } = await launch(t);
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.locator('[data-test="name"]').fill('linus');
  await press(page, 'login');
  const visible = await page.evaluate(() => {
    document.cookie = 'probe=1; path=/';
    return document.cookie;
  });
  t.match(visible, /probe=1/, 'document.cookie works for ordinary cookies');
  t.notMatch(visible, /gaes/, 'but never shows a session cookie');
  t.ok((await sessionCookies(context)).every((c) => c.httpOnly), 'the jar marks them HttpOnly');
  const fetched = await page.evaluate(async () => (await (await fetch('/api/session')).json()) as { user: string });
  t.equal(fetched.user, 'linus', 'yet same-origin requests still carry them');
});
