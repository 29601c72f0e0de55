import type { GaesSessionInfo } from '@gaes/fastify';
import { describeDevice } from './device.ts';
import { escapeHtml, formatTime, layout } from './html.ts';

/** What the last action on the page did, shown once above the list. */
export type SessionsNotice = { readonly kind: 'ended' } | { readonly kind: 'gone' } | { readonly kind: 'others'; readonly count: number };

/** What the "Your sessions" page shows: nothing but a sign-in link when `user` is `undefined`. */
export interface SessionsView {
  readonly user: string | undefined;
  readonly sessions: readonly GaesSessionInfo[];
  readonly notice?: SessionsNotice | undefined;
}

function noticeText(notice: SessionsNotice): string {
  if (notice.kind === 'ended') return 'Session ended: that device is signed out.';
  if (notice.kind === 'gone') return 'That session had already ended.';
  return notice.count === 1 ? 'Signed out 1 other session.' : `Signed out ${notice.count} other sessions.`;
}

function sessionRow(s: GaesSessionInfo): string {
  const current = s.current === true;
  const device = escapeHtml(describeDevice(s.userAgent));
  const agent = escapeHtml(s.userAgent ?? 'no User-Agent');
  const action = current
    ? ''
    : `<form method="post" action="/sessions/end"><input type="hidden" name="handle" value="${escapeHtml(s.handle)}"><button data-test="end">End</button></form>`;
  return `<tr data-test="session" data-handle="${escapeHtml(s.handle)}" data-current="${current}">
<td><span data-test="device" title="${agent}">${device}</span>${current ? ' <span class="tier" data-test="current">this device</span>' : ''}</td>
<td data-test="signed-in">${formatTime(s.createdAt)}</td>
<td data-test="last-seen">${formatTime(s.lastSeenAt)}</td>
<td data-test="session-expires">${formatTime(s.expiresAt)}</td>
<td>${action}</td>
</tr>`;
}

/**
 * The "Your sessions" page: every session of the signed-in user (device, sign-in, last seen, expiry), the
 * current one marked, an "End" button for each other one and "Sign out everywhere else". Every value shown
 * is escaped (the User-Agent is whatever the other device sent).
 */
export function renderSessionsPage(view: SessionsView): string {
  if (view.user === undefined) {
    return layout(
      'Your sessions — gaes demo',
      `<h1>Your sessions</h1>
<p data-test="signed-out">You are not signed in.</p>
<p><a href="/" data-test="home">Log in on the demo page</a></p>`,
    );
  }
  const others = view.sessions.filter((s) => s.current !== true).length;
  return layout(
    'Your sessions — gaes demo',
    `<h1>Your sessions</h1>
<p class="lead">Signed in as <strong data-test="signed-in-as">${escapeHtml(view.user)}</strong> · <a href="/" data-test="home">demo page</a></p>
${view.notice === undefined ? '' : `<p class="notice" data-test="notice">${escapeHtml(noticeText(view.notice))}</p>`}
<table class="list" data-test="sessions">
<thead><tr><th>Device</th><th>Signed in</th><th>Last seen</th><th>Expires</th><th></th></tr></thead>
<tbody>
${view.sessions.map(sessionRow).join('\n')}
</tbody>
</table>
${others === 0 ? '<p data-test="no-others">No other device is signed in.</p>' : '<form method="post" action="/sessions/end-others"><button data-test="end-others">Sign out everywhere else</button></form>'}
<p><small>Ending a session signs that device out at its next request (a session kept in cookies on another
instance within the revocation poll). "Last seen" is recorded at most every few minutes.</small></p>`,
  );
}
