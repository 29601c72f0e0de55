import { escapeHtml, layout } from './html.ts';

/** What the demo page shows about the session. */
export interface PanelState {
  readonly active: boolean;
  readonly id: string | undefined;
  /** Where the session lives: cookie, cache, or datastore (durable, with the cache in front). */
  readonly tier: string | undefined;
  /** Where this request read it from. */
  readonly servedFrom: string | undefined;
  readonly cookieCount: number;
  readonly expiresAt: Date | undefined;
  readonly user: string | undefined;
  readonly counter: number;
  readonly payloadBytes: number;
  readonly threshold: number;
  readonly durable: boolean;
}

/** The demo's main page: a session panel and forms that post and redirect back (POST → 303 → GET). */
export function renderPage(s: PanelState): string {
  const row = (label: string, value: string, test: string): string =>
    `<tr><th>${label}</th><td data-test="${test}">${escapeHtml(value)}</td></tr>`;
  return layout(
    'gaes demo',
    `<h1>gaes demo</h1>
<p class="lead">Sessions stored in sealed cookies when small (≤ ${s.threshold} bytes), server-side when large${
    s.durable ? ' (cache in front of Datastore)' : ' (cache)'
  }.</p>
<table>
${row('Session', s.active ? 'active' : 'none', 'active')}
${row('User', s.user ?? '(not logged in)', 'user')}
${row('Counter', String(s.counter), 'counter')}
${row('Tier', s.tier ?? '-', 'tier')}
${row('Read from', s.servedFrom ?? '-', 'served-from')}
${row('Cookies carrying it', String(s.cookieCount), 'cookies')}
${row('Encoded size', `${s.payloadBytes} bytes`, 'size')}
${row('Session id', s.id === undefined ? '-' : `${s.id.slice(0, 11)}…`, 'id')}
${row('Expires', s.expiresAt?.toISOString() ?? '-', 'expires')}
</table>
<form method="post" action="/increment"><button data-test="increment">Increment counter</button></form>
<form method="post" action="/grow"><button data-test="grow">Grow session (+4 KB)</button></form>
<form method="post" action="/shrink"><button data-test="shrink">Shrink session</button></form>
<br>
${
  s.user === undefined
    ? `<form method="post" action="/login"><input name="user" placeholder="name" required maxlength="40" data-test="name"> <button data-test="login">Log in</button></form>`
    : `<form method="post" action="/logout"><button data-test="logout">Log out</button></form> <a href="/sessions" data-test="sessions-link">Your sessions</a>`
}
<p><small>The login regenerates the session id (fixation defence) and binds the session to the user, so it is
listed on "Your sessions" and can be ended from another device; log out terminates the session and clears its
cookies.</small></p>`,
  );
}
