/**
 * Makes the cookies a scenario sends (by logging in on its own server) and checks, before any load, that
 * the route really does what the row claims (reads the session, writes it, leaves it alone, keeps the data
 * in the tier it names; for the cookie-only rows, that `@fastify/cookie` parses every cookie sent).
 */
import type { BenchConfig } from './config.ts';
import { encodedBytes, PLAIN_COOKIE, sessionFor, type SessionSize } from './payload.ts';
import type { Scenario } from './scenarios.ts';
import { buildStack } from './stacks.ts';

/** `name=value; name2=value2` from a response's Set-Cookie headers. */
export function cookieHeader(setCookies: readonly string[]): string {
  return setCookies
    .map((h) => h.split(';', 1)[0] ?? '')
    .filter((c) => c !== '' && !c.endsWith('='))
    .join('; ');
}

async function login(base: string, size: SessionSize, n: number): Promise<string> {
  const res = await fetch(`${base}/login?size=${size}&n=${n}`, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  const cookie = cookieHeader(res.headers.getSetCookie());
  if (res.status !== 200 || cookie === '') throw new Error(`login on ${base} gave ${res.status} and no session cookie`);
  return cookie;
}

/** How many distinct cookies a scenario cycles. */
export function cookieCount(scenario: Scenario, config: Pick<BenchConfig, 'sessions' | 'sessionsBeyond'>): number {
  const c = scenario.cookie;
  if (c.kind !== 'session') return c.kind === 'none' ? 0 : 1;
  return c.count === 'one' ? 1 : c.count === 'many' ? config.sessions : config.sessionsBeyond;
}

let gaesCookie: Promise<string> | undefined;

/**
 * The Cookie header of a gaes login with the standard session (cookie tier), from an app built in this process
 * exactly as the `gaes-cookie` rows' servers build theirs (`BENCH_GAES_OPTIONS` included), so the
 * cookie-only row carries what "gaes untouched" carries, whatever the current seal format's size.
 */
export function gaesSessionCookie(): Promise<string> {
  gaesCookie ??= (async () => {
    const { app, close } = await buildStack('gaes-cookie', { redisUrl: undefined });
    try {
      const res = await app.inject({ method: 'GET', url: '/login?size=small&n=1' });
      const raw = res.headers['set-cookie'];
      const cookie = cookieHeader(raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)]);
      if (res.statusCode !== 200 || cookie === '') throw new Error(`an in-process gaes login gave ${res.statusCode} and no session cookie`);
      return cookie;
    } finally {
      await app.close();
      await close();
    }
  })();
  return gaesCookie;
}

/** The Cookie headers of a scenario: none, the plain 100-byte one, a gaes-like one, or session cookies from `/login`. */
export async function cookiesFor(scenario: Scenario, base: string, config: Pick<BenchConfig, 'sessions' | 'sessionsBeyond'>): Promise<string[]> {
  const c = scenario.cookie;
  if (c.kind === 'none') return [];
  if (c.kind === 'plain') return [PLAIN_COOKIE];
  if (c.kind === 'gaes-like') return [await gaesSessionCookie()];
  const sessions = cookieCount(scenario, config);
  if (sessions === 1) return [await login(base, c.size, 1)];
  const out: string[] = new Array<string>(sessions);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sessions) {
      const i = next++;
      out[i] = await login(base, c.size, i + 1);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return out;
}

async function get(base: string, route: string, cookie: string | undefined): Promise<{ status: number; body: unknown; setCookie: string[] }> {
  const res = await fetch(`${base}${route}`, {
    headers: cookie === undefined ? {} : { cookie },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, setCookie: res.headers.getSetCookie() };
}

/**
 * Throws unless a gaes row's data sits in the tier the row names: sealed data makes a Cookie header at least as
 * long as the encoded data, a server-side session's cookie is a short pointer.
 */
function checkTier(scenario: Scenario, cookie: string, n: number): void {
  if (scenario.tier === undefined || scenario.cookie.kind !== 'session') return;
  const bytes = encodedBytes(sessionFor(n, scenario.cookie.size));
  const inCookie = cookie.length >= bytes;
  if (inCookie !== (scenario.tier === 'cookie')) {
    throw new Error(
      `${scenario.id}: a session of ${bytes} encoded bytes gave a ${cookie.length}-character Cookie header: ` +
        `its data is not in the ${scenario.tier} tier the row names`,
    );
  }
}

/** Throws unless `@fastify/cookie` parsed as many cookies as the header holds (the cookie-only rows). */
async function checkParsed(scenario: Scenario, base: string, cookie: string): Promise<void> {
  const r = await get(base, '/parsed', cookie);
  const expected = cookie.split('; ').length;
  const got = (r.body as { cookies?: unknown }).cookies;
  if (r.status !== 200 || got !== expected) {
    throw new Error(`${scenario.id}: @fastify/cookie parsed ${JSON.stringify(got)} cookies of ${expected} sent (status ${r.status})`);
  }
}

/**
 * Throws unless the scenario's route behaves as its row says, for the first and last cookie:
 * `/untouched` answers without a Set-Cookie (for session stacks), `/read` returns the logged-in user,
 * `/write` returns an incremented counter; gaes rows that name a tier keep their data there; the cookie-only
 * rows' cookies are all parsed.
 */
export async function validate(scenario: Scenario, base: string, cookies: readonly string[]): Promise<void> {
  const samples = cookies.length === 0 ? [undefined] : [...new Set([cookies[0], cookies[cookies.length - 1]])];
  for (const [k, cookie] of samples.entries()) {
    const n = k === 0 ? 1 : cookies.length;
    if (cookie !== undefined) {
      checkTier(scenario, cookie, n);
      if (scenario.cookie.kind === 'plain' || scenario.cookie.kind === 'gaes-like') await checkParsed(scenario, base, cookie);
    }
    const r = await get(base, scenario.route, cookie);
    const where = `${scenario.id}: GET ${scenario.route}`;
    if (r.status !== 200) throw new Error(`${where} gave ${r.status}: ${JSON.stringify(r.body)}`);
    if (scenario.route === '/untouched') {
      if (scenario.cookie.kind === 'session' && r.setCookie.length > 0) {
        throw new Error(`${where} sent Set-Cookie although the route never touches the session`);
      }
    } else if (scenario.route === '/read') {
      const expected = sessionFor(n, 'small').userId;
      const got = (r.body as { userId?: unknown }).userId;
      if (got !== expected) throw new Error(`${where} returned userId ${JSON.stringify(got)}, expected ${expected}`);
    } else {
      const counter = (r.body as { counter?: unknown }).counter;
      if (typeof counter !== 'number' || counter < 1) throw new Error(`${where} returned ${JSON.stringify(r.body)}`);
    }
  }
}
