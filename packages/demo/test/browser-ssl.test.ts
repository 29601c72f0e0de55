/**
 * An SSL-only session in a real browser: the demo runs twice, on an HTTPS listener (a self-signed
 * certificate made at test time) and on a plain-HTTP one, sharing one cache. Browsers scope cookies by
 * host, not port, so an ordinary cookie set over https://host:A is sent to http://host:B; the SSL-only
 * session's cookie is Secure and must not be. Both servers record what they receive.
 *
 * Chromium treats loopback addresses as secure origins and sends Secure cookies to http://127.0.0.1, so
 * the browser reaches both servers (which listen on 127.0.0.1) through the name `gaes.test`, mapped to
 * 127.0.0.1 with --host-resolver-rules. The loopback case is checked too: there the browser does send
 * the cookie, and the server must refuse the session over plain HTTP.
 */
import type { FastifyInstance } from 'fastify';
import { Keyv } from 'keyv';
import t from 'tap';
import { browserTest, launch, panel, press, sessionCookies } from './helpers/browser.ts';
import { selfSignedCertificate, startDemo } from './helpers/servers.ts';

interface Received {
  readonly path: string;
  readonly cookie: string;
}

/** The routes the demo lacks: start an SSL-only session, and echo what the server received. */
function extend(received: Received[]): (app: FastifyInstance) => void {
  return (app) => {
    app.addHook('onRequest', async (req) => {
      received.push({ path: req.url, cookie: req.headers.cookie ?? '' });
    });
    app.post('/start-secure', async (req, reply) => {
      req.session.start({ sslOnly: true });
      req.session.setUser('secure-user');
      return reply.redirect('/', 303);
    });
  };
}

async function startPair(t: Parameters<Parameters<typeof browserTest>[2]>[0]) {
  const cache = new Keyv();
  // `secure: false` so that an ordinary session's cookie is not Secure even over HTTPS: the control case.
  const options = { cache, cookie: { secure: false } } as const;
  const tls = selfSignedCertificate(['gaes.test', '127.0.0.1']);
  const httpsReceived: Received[] = [];
  const httpReceived: Received[] = [];
  const secure = await startDemo(t, options, { https: tls, extend: extend(httpsReceived) });
  const plain = await startDemo(t, options, { extend: extend(httpReceived) });
  return { secure, plain, httpsReceived, httpReceived };
}

/** Submits a POST form to `action` from the current page (the demo has no button for it). */
async function post(page: import('playwright-core').Page, action: string): Promise<void> {
  await Promise.all([
    page.waitForURL(/\/$/, { waitUntil: 'load' }),
    page.evaluate((to) => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = to;
      document.body.append(form);
      form.submit();
    }, action),
  ]);
}

const sentSession = (r: Received | undefined): boolean => r !== undefined && /(^|;\s*)gaes_?0=/.test(r.cookie);

browserTest(t, 'an SSL-only session cookie is never sent over plain HTTP (while an ordinary one is)', async (t) => {
  const { secure, plain, httpsReceived, httpReceived } = await startPair(t);
  const { context, page } = await launch(t, { hostResolverRules: 'MAP gaes.test 127.0.0.1', ignoreHTTPSErrors: true });
  const https = `https://gaes.test:${secure.port}`;
  const http = `http://gaes.test:${plain.port}`;

  // Control: an ordinary session started over HTTPS (cookie not Secure) reaches the HTTP server.
  await page.goto(`${https}/`);
  await page.locator('[data-test="name"]').fill('ordinary');
  await press(page, 'login');
  t.equal(await panel(page, 'user'), 'ordinary');
  t.match(await sessionCookies(context), [{ name: /^gaes_?0$/, secure: false }]);
  await page.goto(`${http}/`);
  t.ok(sentSession(httpReceived.at(-1)), 'control: the HTTP server received the ordinary session cookie');
  t.equal(await panel(page, 'user'), 'ordinary', 'and honoured it (shared cache, same secret)');

  // The SSL-only session replaces it.
  await page.goto(`${https}/`);
  await post(page, '/start-secure');
  t.equal(await panel(page, 'user'), 'secure-user');
  t.match(await sessionCookies(context), [{ name: /^gaes_?0$/, secure: true, httpOnly: true }], 'its cookie is Secure');
  httpReceived.length = 0;
  await page.goto(`${http}/`);
  t.ok(httpReceived.length > 0, 'the HTTP server was reached');
  t.notOk(httpReceived.some(sentSession), 'the HTTP server received no session cookie');
  t.equal(await panel(page, 'active'), 'none', 'and shows no session');
  httpsReceived.length = 0;
  await page.goto(`${https}/`);
  t.ok(sentSession(httpsReceived.at(-1)), 'the HTTPS server still receives it');
  t.equal(await panel(page, 'user'), 'secure-user', 'and honours it');
});

browserTest(t, 'over loopback, where Chromium does send Secure cookies to http://, the server refuses the session', async (t) => {
  const { secure, plain, httpReceived } = await startPair(t);
  const { page } = await launch(t, { ignoreHTTPSErrors: true });
  await page.goto(`https://127.0.0.1:${secure.port}/`);
  await post(page, '/start-secure');
  t.equal(await panel(page, 'user'), 'secure-user');
  httpReceived.length = 0;
  await page.goto(`http://127.0.0.1:${plain.port}/`);
  const sent = httpReceived.some(sentSession);
  t.comment(`Chromium ${sent ? 'sent' : 'did not send'} the Secure cookie to http://127.0.0.1`);
  t.equal(await panel(page, 'active'), 'none', 'the SSL-only session is not honoured over HTTP');
  t.equal(await panel(page, 'user'), '(not logged in)', 'none of its data shown');
  await page.goto(`https://127.0.0.1:${secure.port}/`);
  t.equal(await panel(page, 'user'), 'secure-user', 'the session is intact over HTTPS');
});
