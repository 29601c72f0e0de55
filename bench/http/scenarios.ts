/**
 * The rows of the HTTP benchmark. A *stack* is an app with one session setup; a *scenario* (a row) drives
 * one route of a stack with one kind of cookie, each row in its own server process. Rows come in groups
 * (one report table each), in report order.
 */
import type { SessionSize } from './payload.ts';

/** The server setups (see `stacks.ts`). */
export const STACKS = [
  'bare',
  'cookie',
  'gaes-cookie',
  'gaes-cookie-users',
  'gaes-memory',
  'gaes-redis',
  'gaes-redis-tiered',
  'secure-session',
  'mgcrea-stateless',
  'fsession-memory',
  'fsession-redis-rolling',
  'fsession-redis',
] as const;
export type StackId = (typeof STACKS)[number];

/** Stacks that need redis-server. */
export const REDIS_STACKS: ReadonlySet<StackId> = new Set(['gaes-redis', 'gaes-redis-tiered', 'fsession-redis-rolling', 'fsession-redis']);

/** The measured routes; every session stack serves all three (plus `/login`). */
export type Route = '/untouched' | '/read' | '/write';

/** What the request carries. */
export type CookieKind =
  | { readonly kind: 'none' }
  /** A ~100-byte cookie unrelated to sessions (the first `@fastify/cookie` row). */
  | { readonly kind: 'plain' }
  /**
   * The Cookie header of a real gaes login (the standard session, cookie tier), made at startup by an
   * in-process gaes app: the `@fastify/cookie` row that carries exactly what "gaes untouched" carries.
   */
  | { readonly kind: 'gaes-like' }
  /**
   * Session cookies from `/login?size=…`: one session for every request, or distinct ones cycled by wrk:
   * `many` = `BENCH_SESSIONS` (10,000), `beyond` = `BENCH_SESSIONS_BEYOND` (50,000: more than gaes's default
   * cookie cache of 10,000 opened cookies, so most requests miss it).
   */
  | { readonly kind: 'session'; readonly size: SessionSize; readonly count: 'one' | 'many' | 'beyond' };

/** A goal for the row: a gaes target to meet, or a peer's ratio measured elsewhere (for reference). */
export type Goal = { readonly kind: 'target'; readonly min: number } | { readonly kind: 'peer'; readonly ratio: number };

/** The report's tables, in order; every row belongs to one. */
export const GROUPS = {
  untouched: {
    title: 'Carrying a session cookie, session untouched',
    note:
      'What a request costs when it carries a cookie the route never reads. "gaes\'s session cookie" is the Cookie ' +
      'header of a real gaes login, made at startup: the peer of "gaes untouched". @fastify/secure-session and ' +
      '@mgcrea/fastify-session open their cookie in `onRequest`, so their "untouched" rows still decrypt.',
  },
  cookie: {
    title: 'Sessions in cookies: one session read and written',
    note:
      'gaes with its defaults (a small session lives in cookies); @fastify/secure-session with a 32-byte key; ' +
      '@mgcrea/fastify-session: stateless (no store), libsodium secretbox from @mgcrea/fastify-session-sodium-crypto, a 32-byte key.',
  },
  server: {
    title: 'Server-side sessions: one session read and written',
    note: 'gaes with `cookieOnlyThreshold: 0` (all data server-side); @fastify/session with its memory store or connect-redis.',
  },
  many: {
    title: 'Many sessions: distinct cookies cycled',
    note:
      'wrk cycles distinct session cookies (`BENCH_SESSIONS`, or `BENCH_SESSIONS_BEYOND` for the row beyond the cookie cache), ' +
      'so no cache of opened cookies is flattered by one cookie repeated.',
  },
  size: {
    title: 'Session size',
    note:
      'Sizes are bytes of encoded session data (gaes\'s codec: a version byte and JSON; a padding string makes up the size). ' +
      'The "20 KB" rows use `cookieOnlyThreshold: 0`; the gaes size rows use the default threshold (10,240 bytes), ' +
      'so 100 B–8 KB sessions live in cookies and 30 KB–1 MB sessions in Redis, by size; those Redis rows set ' +
      '`cacheTimeout: \'30s\'`, since ten queued 1 MB requests outlast the default 1 s, which gaes answers with 503s by design.',
  },
} as const;
export type GroupId = keyof typeof GROUPS;

export interface Scenario {
  readonly id: string;
  /** The row label in the report. */
  readonly label: string;
  readonly group: GroupId;
  readonly stack: StackId;
  readonly route: Route;
  readonly cookie: CookieKind;
  readonly goal?: Goal;
  /** Where gaes keeps this row's data; the pre-load check compares the cookie's length with the data's. */
  readonly tier?: 'cookie' | 'server';
  /** The report gives the length of the Cookie header the row sends. */
  readonly showCookieChars?: boolean;
}

const none: CookieKind = { kind: 'none' };
const one: CookieKind = { kind: 'session', size: 'small', count: 'one' };
const many: CookieKind = { kind: 'session', size: 'small', count: 'many' };
const beyond: CookieKind = { kind: 'session', size: 'small', count: 'beyond' };
const large: CookieKind = { kind: 'session', size: 'large', count: 'one' };
const sized = (bytes: number): CookieKind => ({ kind: 'session', size: bytes, count: 'one' });
const target = (min: number): Goal => ({ kind: 'target', min });
const peer = (ratio: number): Goal => ({ kind: 'peer', ratio });

/** The size rows: gaes read and write at each size (ids `size-gaes-<tier>-<size>-<read|write>`). */
function sizeRows(tier: 'cookie' | 'server', sizes: ReadonlyArray<readonly [string, string, number]>): Scenario[] {
  const stack: StackId = tier === 'cookie' ? 'gaes-cookie' : 'gaes-redis-tiered';
  const where = tier === 'cookie' ? 'cookie tier' : 'server-side by size, Redis';
  return sizes.flatMap(([idPart, shown, bytes]) =>
    (['read', 'write'] as const).map(
      (op): Scenario => ({
        id: `size-gaes-${tier === 'cookie' ? 'cookie' : 'redis'}-${idPart}-${op}`,
        label: `gaes ${shown} session ${op}, ${where}`,
        group: 'size',
        stack,
        route: op === 'read' ? '/read' : '/write',
        cookie: sized(bytes),
        tier,
        showCookieChars: true,
      }),
    ),
  );
}

/** Every scenario, in report order (grouped). `bare` must stay first: the ratios are to it. */
export const SCENARIOS: readonly Scenario[] = [
  { id: 'bare', label: 'bare Fastify (small JSON)', group: 'untouched', stack: 'bare', route: '/untouched', cookie: none },
  { id: 'cookie-only', label: '@fastify/cookie only (100-byte cookie)', group: 'untouched', stack: 'cookie', route: '/untouched', cookie: { kind: 'plain' }, goal: peer(0.985), showCookieChars: true },
  { id: 'cookie-only-gaes-like', label: '@fastify/cookie only (gaes\'s session cookie)', group: 'untouched', stack: 'cookie', route: '/untouched', cookie: { kind: 'gaes-like' }, showCookieChars: true },
  { id: 'gaes-untouched', label: 'gaes untouched (cookie sent, never read)', group: 'untouched', stack: 'gaes-cookie', route: '/untouched', cookie: one, goal: target(0.97), showCookieChars: true },
  { id: 'secure-untouched', label: '@fastify/secure-session untouched', group: 'untouched', stack: 'secure-session', route: '/untouched', cookie: one, goal: peer(0.98), showCookieChars: true },
  { id: 'mgcrea-untouched', label: '@mgcrea/fastify-session stateless untouched', group: 'untouched', stack: 'mgcrea-stateless', route: '/untouched', cookie: one, showCookieChars: true },

  { id: 'gaes-cookie-read', label: 'gaes cookie tier read', group: 'cookie', stack: 'gaes-cookie', route: '/read', cookie: one, goal: target(0.85) },
  { id: 'gaes-cookie-read-user', label: 'gaes cookie tier read, session bound to a user', group: 'cookie', stack: 'gaes-cookie-users', route: '/read', cookie: one },
  { id: 'gaes-cookie-write', label: 'gaes cookie tier write (counter++)', group: 'cookie', stack: 'gaes-cookie', route: '/write', cookie: one, goal: target(0.65) },
  { id: 'secure-read', label: '@fastify/secure-session read', group: 'cookie', stack: 'secure-session', route: '/read', cookie: one, goal: peer(0.69) },
  { id: 'secure-write', label: '@fastify/secure-session write', group: 'cookie', stack: 'secure-session', route: '/write', cookie: one, goal: peer(0.44) },
  { id: 'mgcrea-read', label: '@mgcrea/fastify-session stateless read', group: 'cookie', stack: 'mgcrea-stateless', route: '/read', cookie: one },
  { id: 'mgcrea-write', label: '@mgcrea/fastify-session stateless write', group: 'cookie', stack: 'mgcrea-stateless', route: '/write', cookie: one },

  { id: 'gaes-memory-read', label: 'gaes server-side read, in-memory Keyv', group: 'server', stack: 'gaes-memory', route: '/read', cookie: one },
  { id: 'gaes-memory-write', label: 'gaes server-side write, in-memory Keyv', group: 'server', stack: 'gaes-memory', route: '/write', cookie: one },
  { id: 'gaes-redis-read', label: 'gaes server-side read, Redis', group: 'server', stack: 'gaes-redis', route: '/read', cookie: one, goal: target(0.65) },
  { id: 'gaes-redis-write', label: 'gaes server-side write, Redis', group: 'server', stack: 'gaes-redis', route: '/write', cookie: one },
  { id: 'fsession-memory-read', label: '@fastify/session memory store read (rolling)', group: 'server', stack: 'fsession-memory', route: '/read', cookie: one, goal: peer(0.36) },
  { id: 'fsession-memory-write', label: '@fastify/session memory store write', group: 'server', stack: 'fsession-memory', route: '/write', cookie: one },
  { id: 'fsession-redis-rolling-read', label: '@fastify/session + Redis read (rolling)', group: 'server', stack: 'fsession-redis-rolling', route: '/read', cookie: one, goal: peer(0.17) },
  { id: 'fsession-redis-read', label: '@fastify/session + Redis read (not rolling)', group: 'server', stack: 'fsession-redis', route: '/read', cookie: one, goal: peer(0.24) },
  { id: 'fsession-redis-write', label: '@fastify/session + Redis write', group: 'server', stack: 'fsession-redis', route: '/write', cookie: one },

  { id: 'gaes-cookie-read-many', label: 'gaes cookie tier read, many sessions', group: 'many', stack: 'gaes-cookie', route: '/read', cookie: many, goal: target(0.8) },
  { id: 'gaes-cookie-read-user-many', label: 'gaes cookie tier read, many sessions bound to users', group: 'many', stack: 'gaes-cookie-users', route: '/read', cookie: many },
  { id: 'gaes-cookie-read-beyond', label: 'gaes cookie tier read, sessions beyond the cookie cache', group: 'many', stack: 'gaes-cookie', route: '/read', cookie: beyond },
  { id: 'secure-read-many', label: '@fastify/secure-session read, many sessions', group: 'many', stack: 'secure-session', route: '/read', cookie: many },
  { id: 'mgcrea-read-many', label: '@mgcrea/fastify-session stateless read, many sessions', group: 'many', stack: 'mgcrea-stateless', route: '/read', cookie: many },
  { id: 'gaes-redis-read-many', label: 'gaes server-side read, Redis, many sessions', group: 'many', stack: 'gaes-redis', route: '/read', cookie: many },
  { id: 'fsession-redis-read-many', label: '@fastify/session + Redis read (not rolling), many sessions', group: 'many', stack: 'fsession-redis', route: '/read', cookie: many },

  ...sizeRows('cookie', [
    ['100b', '100 B', 100],
    ['1kb', '1 KB (1,024 B)', 1024],
    ['8kb', '8 KB (8,192 B)', 8192],
  ]),
  { id: 'gaes-redis-large-read', label: 'gaes 20 KB session read, Redis', group: 'size', stack: 'gaes-redis', route: '/read', cookie: large },
  { id: 'gaes-redis-large-write', label: 'gaes 20 KB session write, Redis', group: 'size', stack: 'gaes-redis', route: '/write', cookie: large },
  ...sizeRows('server', [
    ['30kb', '30 KB', 30_000],
    ['300kb', '300 KB', 300_000],
    ['1mb', '1 MB', 1_000_000],
  ]),
  { id: 'fsession-redis-large-read', label: '@fastify/session + Redis 20 KB read (not rolling)', group: 'size', stack: 'fsession-redis', route: '/read', cookie: large },
  { id: 'fsession-redis-large-write', label: '@fastify/session + Redis 20 KB write', group: 'size', stack: 'fsession-redis', route: '/write', cookie: large },
];

/** The scenarios a filter selects (substrings of ids), `bare` always included and first. */
export function selectScenarios(filter: readonly string[]): Scenario[] {
  if (filter.length === 0) return [...SCENARIOS];
  return SCENARIOS.filter((s) => s.id === 'bare' || filter.some((f) => s.id.includes(f)));
}
