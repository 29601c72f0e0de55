/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A time as the demo shows it: `2026-11-25 14:03 UTC`, in a `<time>` element carrying the exact instant. */
export function formatTime(date: Date): string {
  const iso = date.toISOString();
  return `<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

/** A demo page: the shared head and style around `body` (which must already be escaped). */
export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #1d2330; }
  h1 { margin-bottom: 0; } p.lead { margin-top: .25rem; color: #566; }
  table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
  th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #dde; font-weight: normal; }
  th { color: #566; width: 11rem; } td { font-family: ui-monospace, monospace; word-break: break-all; }
  table.list th { width: auto; } table.list td { font-family: inherit; word-break: normal; }
  form { display: inline-block; margin: 0 .4rem .6rem 0; }
  td form { margin: 0; }
  button { font: inherit; padding: .4rem .9rem; border-radius: .4rem; border: 1px solid #8ab; background: #eef6fa; cursor: pointer; }
  input { font: inherit; padding: .35rem .5rem; }
  .tier { display: inline-block; padding: 0 .5rem; border-radius: .3rem; background: #e8f3e8; }
  .notice { padding: .4rem .8rem; border-radius: .4rem; background: #fdf6e3; }
</style>
</head>
<body>
${body}
</body>
</html>`;
}
