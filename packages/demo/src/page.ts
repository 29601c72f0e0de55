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

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The demo's single page: a session panel and forms that post and redirect back (POST → 303 → GET). */
export function renderPage(s: PanelState): string {
  const row = (label: string, value: string, test: string): string =>
    `<tr><th>${label}</th><td data-test="${test}">${escapeHtml(value)}</td></tr>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gaes demo</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #1d2330; }
  h1 { margin-bottom: 0; } p.lead { margin-top: .25rem; color: #566; }
  table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
  th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #dde; font-weight: normal; }
  th { color: #566; width: 11rem; } td { font-family: ui-monospace, monospace; word-break: break-all; }
  form { display: inline-block; margin: 0 .4rem .6rem 0; }
  button { font: inherit; padding: .4rem .9rem; border-radius: .4rem; border: 1px solid #8ab; background: #eef6fa; cursor: pointer; }
  input { font: inherit; padding: .35rem .5rem; }
  .tier { display: inline-block; padding: 0 .5rem; border-radius: .3rem; background: #e8f3e8; }
</style>
</head>
<body>
<h1>gaes demo</h1>
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
    : `<form method="post" action="/logout"><button data-test="logout">Log out</button></form>`
}
<p><small>The login regenerates the session id (fixation defence); log out terminates the session and clears its cookies.</small></p>
</body>
</html>`;
}
