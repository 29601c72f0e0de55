import { USER_KIND, USER_SESSION_KIND } from '@gaes/core';
import type { CleanupResult } from './cleanup.ts';
import type { Failure } from './failure.ts';
import { formatDuration } from './flags.ts';

const count = (n: number): string => n.toLocaleString('en-US');

/** The human summary of a cleanup (stdout). */
export function cleanupSummary(r: CleanupResult, command = 'gaes-cleanup'): string {
  const what = r.olderThanMs === null ? 'expired' : `expired or idle for over ${formatDuration(r.olderThanMs)}`;
  const noun = r.deleted === 1 ? 'session' : 'sessions';
  const head = r.dryRun ? `Would delete ${count(r.deleted)} ${what} ${noun} (dry run: nothing deleted)` : `Deleted ${count(r.deleted)} ${what} ${noun}`;
  const rate = r.deletedPerSecond === null ? '' : `, ${count(r.deletedPerSecond)}/s`;
  const where = `${r.kind}${r.namespace === null ? '' : ` in namespace ${r.namespace}`}`;
  const lines = [`${head} — ${where}; scanned ${count(r.scanned)} in ${(r.elapsedMs / 1000).toFixed(1)} s${rate}.`, usersLine(r)];
  if (r.status === 'partial') {
    const resume = r.resumeAfter === undefined ? '' : ` --resume-after ${r.resumeAfter}`;
    lines.push(`Stopped at --max-time ${formatDuration(r.maxTimeMs ?? 0)} with work left: run ${command} again${resume} to continue.`);
  }
  return `${lines.join('\n')}\n`;
}

/** The line about user records and revocations (swept after the sessions, in the same namespace). */
function usersLine(r: CleanupResult): string {
  const records = `${count(r.records.deleted)} expired ${r.records.deleted === 1 ? 'record' : 'records'} of user sessions (${USER_SESSION_KIND})`;
  const revocations = `${count(r.revocations.deleted)} expired ${r.revocations.deleted === 1 ? 'revocation' : 'revocations'} (${USER_KIND})`;
  return `${r.dryRun ? 'Would delete' : 'Deleted'} ${records} and ${revocations}.`;
}

/** The one-line message of a failure (stderr). */
export function failureLine(command: string, failure: Failure): string {
  const hint = failure.status === 'usage-error' ? ` (see ${command} --help)` : '';
  return `${command}: ${failure.error.message}${hint}\n`;
}

/** One JSON object on one line. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
