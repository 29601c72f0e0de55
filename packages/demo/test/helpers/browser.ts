/**
 * Headless Chromium for the browser suites: Debian's /usr/bin/chromium driven by playwright-core, with a
 * fresh profile per test. Missing Chromium skips the suite loudly; with CI=true it fails instead.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Test } from 'tap';

export const CHROMIUM_PATH = process.env.GAES_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser suite cannot run here, or `undefined` when it can. */
export function browserMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is missing (apt-get install chromium, or run bash .ci/run)`;
}

/**
 * Runs `fn` as a subtest when Chromium is present. Without it the subtest is skipped with the reason,
 * and under CI=true the suite fails instead: CI must run the browser tests.
 */
export function browserTest(t: Test, name: string, fn: (t: Test) => Promise<void>): void {
  const missing = browserMissing();
  if (missing === undefined) {
    t.test(name, fn);
  } else if (process.env.CI === 'true') {
    t.test(name, async (t) => {
      t.fail(`CI=true requires the browser suite: ${missing}`);
    });
  } else {
    t.test(name, { skip: `BROWSER SUITE SKIPPED: ${missing}` }, async () => {});
  }
}

/** Launches Chromium with a fresh user-data-dir; closed and removed at the end of `t`. */
export async function launch(
  t: Test,
  options: { hostResolverRules?: string; ignoreHTTPSErrors?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const profile = await mkdtemp(join(tmpdir(), 'gaes-chromium-'));
  const args = [...FLAGS];
  if (options.hostResolverRules !== undefined) args.push(`--host-resolver-rules=${options.hostResolverRules}`);
  if (options.ignoreHTTPSErrors === true) args.push('--ignore-certificate-errors');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args,
    ignoreHTTPSErrors: options.ignoreHTTPSErrors === true,
    timeout: 60_000,
  });
  t.teardown(async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

/**
 * Launches one Chromium for several devices: each {@link openDevice} is a separate context (its own cookie
 * jar and User-Agent), as two machines would be. Closed at the end of `t`.
 */
export async function launchBrowser(t: Test): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS, timeout: 60_000 });
  t.teardown(() => browser.close());
  return browser;
}

/** A device: a fresh context of `browser` (empty cookie jar) that sends `userAgent`. */
export async function openDevice(browser: Browser, userAgent?: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(userAgent === undefined ? {} : { userAgent });
  context.setDefaultTimeout(15_000);
  return { context, page: await context.newPage() };
}

/** The text of the demo page's `data-test` cell. */
export async function panel(page: Page, name: string): Promise<string> {
  return ((await page.locator(`[data-test="${name}"]`).textContent()) ?? '').trim();
}

/**
 * Clicks a demo button (a form POST answered with 303) and waits for the page it leads to (by default the
 * main page, `/`) to load. `button` is a `data-test` name, or a full selector when it starts with `[`.
 */
export async function press(page: Page, button: string, leadsTo: RegExp = /\/$/): Promise<void> {
  const selector = button.startsWith('[') ? button : `[data-test="${button}"]`;
  await Promise.all([page.waitForURL(leadsTo, { waitUntil: 'load' }), page.locator(selector).click()]);
}

/**
 * The session cookies in the browser's jar: both slots, `gaes0`, `gaes1`, … and `gaes_0`, `gaes_1`, … (a
 * login's `regenerateId()` moves the session to the other slot).
 */
export async function sessionCookies(context: BrowserContext): Promise<Array<{ name: string; httpOnly: boolean; secure: boolean; sameSite: string }>> {
  return (await context.cookies()).filter((c) => /^gaes_?\d+$/.test(c.name)).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}
