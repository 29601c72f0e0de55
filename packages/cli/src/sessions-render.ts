import type { SessionInfo, SessionsEndResult, SessionsResult } from './sessions.ts';

const NOT_DELETED_IN_CACHE =
  "Copies in the app's cache (Redis, Memcached) are not deleted: every app instance refuses them within its revocationPoll.";

/** ISO 8601 to the second, as the other commands print times. */
function when(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z');
}

/** Control characters of a User-Agent (it comes from a browser) are not printed to a terminal. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function table(list: readonly SessionInfo[]): string[] {
  const rows = [
    ['handle', 'signed in', 'last seen', 'expires', 'user agent'],
    ...list.map((s) => [s.handle, when(s.createdAt), when(s.lastSeenAt), when(s.expiresAt), s.userAgent === null ? '–' : printable(s.userAgent)]),
  ];
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  return rows.map((r) => `  ${r.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ')}`.trimEnd());
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

function endLines(r: SessionsEndResult): string[] {
  const user = JSON.stringify(r.user);
  if (r.scope === 'handle') {
    if (r.ended === 0) return [`No live session ${r.handle ?? ''} of user ${user}: nothing ended.`];
    return [
      `Ended session ${r.handle ?? ''} of user ${user}: every app instance refuses it within its revocationPoll; its ${r.kind} entity and its record are deleted.`,
      NOT_DELETED_IN_CACHE,
      ...table(r.sessions),
    ];
  }
  return [
    `Ended ${plural(r.ended, 'listed session', 'listed sessions')} of user ${user}: every session signed in at or before ${when(r.notBefore ?? '')}, listed or not, is refused by every app instance within its revocationPoll (revoked until ${when(r.revokedUntil ?? '')}); the ${r.kind} entities and records of the listed ones are deleted.`,
    NOT_DELETED_IN_CACHE,
    ...(r.sessions.length === 0 ? [] : table(r.sessions)),
  ];
}

/** The human output of a `gaes-sessions` command (a handle, dates and a User-Agent per session; never a session id). */
export function sessionsSummary(r: SessionsResult): string {
  if (r.action === 'end') return `${endLines(r).join('\n')}\n`;
  const user = JSON.stringify(r.user);
  if (r.sessions.length === 0) return `No live sessions of user ${user}.\n`;
  return `${[`${plural(r.sessions.length, 'live session', 'live sessions')} of user ${user}, newest activity first:`, ...table(r.sessions)].join('\n')}\n`;
}
