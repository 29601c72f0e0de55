/**
 * Makes the cookies a scenario sends (by logging in on its own server) and checks, before any load, that
 * the route really does what the row claims (reads the session, writes it, leaves it alone).
 */
import type { BenchConfig } from './config.ts';
import { PLAIN_COOKIE, sessionFor } from './payload.ts';
import type { Scenario } from './scenarios.ts';

/** `name=value; name2=value2` from a response's Set-Cookie headers. */
export function cookieHeader(setCookies: readonly string[]): string {
  return setCookies
    .map((h) => h.split(';', 1)[0] ?? '')
    .filter((c) => c !== '' && !c.endsWith('='))
    .join('; ');
}

async function login(base: string, size: 'small' | 'large', n: number): Promise<string> {
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

/** The Cookie headers of a scenario: none, the plain 100-byte one, or session cookies from `/login`. */
export async function cookiesFor(scenario: Scenario, base: string, config: Pick<BenchConfig, 'sessions' | 'sessionsBeyond'>): Promise<string[]> {
  const c = scenario.cookie;
  if (c.kind === 'none') return [];
  if (c.kind === 'plain') return [PLAIN_COOKIE];
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
 * Throws unless the scenario's route behaves as its row says, for the first and last cookie:
 * `/untouched` answers without a Set-Cookie (for session stacks), `/read` returns the logged-in user,
 * `/write` returns an incremented counter.
 */
export async function validate(scenario: Scenario, base: string, cookies: readonly string[]): Promise<void> {
  const samples = cookies.length === 0 ? [undefined] : [...new Set([cookies[0], cookies[cookies.length - 1]])];
  for (const [k, cookie] of samples.entries()) {
    const r = await get(base, scenario.route, cookie);
    const where = `${scenario.id}: GET ${scenario.route}`;
    if (r.status !== 200) throw new Error(`${where} gave ${r.status}: ${JSON.stringify(r.body)}`);
    if (scenario.route === '/untouched') {
      if (scenario.cookie.kind === 'session' && r.setCookie.length > 0) {
        throw new Error(`${where} sent Set-Cookie although the route never touches the session`);
      }
    } else if (scenario.route === '/read') {
      const n = k === 0 ? 1 : cookies.length;
      const expected = sessionFor(n, 'small').userId;
      const got = (r.body as { userId?: unknown }).userId;
      if (got !== expected) throw new Error(`${where} returned userId ${JSON.stringify(got)}, expected ${expected}`);
    } else {
      const counter = (r.body as { counter?: unknown }).counter;
      if (typeof counter !== 'number' || counter < 1) throw new Error(`${where} returned ${JSON.stringify(r.body)}`);
    }
  }
}
