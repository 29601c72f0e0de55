/**
 * The demo's "Your sessions" page and its forms, without a browser (app.inject): what is listed and escaped,
 * what the End buttons may end, the same-origin rule on every POST, and the short device names.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import t from 'tap';
import { buildDemoApp } from '../src/app.ts';
import { describeDevice } from '../src/device.ts';

const SECRET = 'sessions-page-test-secret-0123456789abcdef';
const ORIGIN = 'http://localhost:80';

/** One client's cookies, kept from the responses it got. */
class Jar {
  readonly #cookies = new Map<string, string>();

  apply(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies as Array<{ name: string; value: string; maxAge?: number }>) {
      if (c.maxAge === 0 || c.value === '') this.#cookies.delete(c.name);
      else this.#cookies.set(c.name, c.value);
    }
    return res;
  }

  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

interface Client {
  readonly jar: Jar;
  readonly agent: string;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, form?: Record<string, string>, origin?: string | null): Promise<LightMyRequestResponse>;
}

function client(app: FastifyInstance, agent: string): Client {
  const jar = new Jar();
  return {
    jar,
    agent,
    get: async (url) => jar.apply(await app.inject({ url, headers: { cookie: jar.header(), 'user-agent': agent } })),
    post: async (url, form = {}, origin = ORIGIN) =>
      jar.apply(
        await app.inject({
          method: 'POST',
          url,
          payload: new URLSearchParams(form).toString(),
          headers: {
            cookie: jar.header(),
            'user-agent': agent,
            'content-type': 'application/x-www-form-urlencoded',
            ...(origin === null ? {} : { origin }),
          },
        }),
      ),
  };
}

async function demo(t: Parameters<Parameters<typeof t.test>[1]>[0]): Promise<FastifyInstance> {
  const app = await buildDemoApp({ secret: SECRET });
  t.teardown(() => app.close());
  return app;
}

/** The handles listed on a sessions page, and the current one. */
function handles(html: string): { all: string[]; current: string | undefined } {
  const all = [...html.matchAll(/data-handle="([^"]+)" data-current="(true|false)"/g)];
  return { all: all.map((m) => m[1] as string), current: all.find((m) => m[2] === 'true')?.[1] };
}

t.test('describeDevice: browser and system, an unknown agent cut short, none at all', async (t) => {
  const cases: Array<[string | undefined, string]> = [
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 'Chrome on Windows'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', 'Edge on Windows'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 'Safari on iOS'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15', 'Safari on macOS'],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36', 'Chrome on Android'],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox on Linux'],
    ['curl/8.5.0', 'curl'],
    ['x'.repeat(100), `${'x'.repeat(40)}…`],
    ['  ', 'Unknown device'],
    [undefined, 'Unknown device'],
  ];
  for (const [agent, expected] of cases) t.equal(describeDevice(agent), expected, expected);
});

t.test('signed out: the page says so, and its forms do nothing', async (t) => {
  const app = await demo(t);
  const anon = client(app, 'anon');
  const page = await anon.get('/sessions');
  t.equal(page.statusCode, 200);
  t.match(page.body, /data-test="signed-out"/);
  t.notMatch(page.body, /data-test="session"/);
  for (const url of ['/sessions/end', '/sessions/end-others']) {
    const res = await anon.post(url, { handle: 'AAAAAAAAAAAAAAAAAAAAAA' });
    t.equal(res.statusCode, 303, `${url}: back to the page`);
    t.equal(res.headers.location, '/sessions');
  }
});

t.test("lists the user's sessions with the current one marked, every value escaped", async (t) => {
  const app = await demo(t);
  const hostile = '<img src=x onerror="alert(1)">&amp;';
  const a = client(app, 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0');
  const b = client(app, hostile);
  t.equal((await a.post('/login', { user: 'ada' })).statusCode, 303);
  t.equal((await b.post('/login', { user: 'ada' })).statusCode, 303);
  const page = (await a.get('/sessions')).body;
  const { all, current } = handles(page);
  t.equal(all.length, 2, 'two sessions');
  t.ok(current !== undefined, 'one is current');
  t.match(page, /Firefox on Linux/);
  t.notMatch(page, /<img/, 'the hostile User-Agent is not markup');
  t.ok(page.includes('&#60;img src=x onerror=&#34;alert(1)&#34;&#62;&#38;amp;'), 'it is shown escaped');
  t.equal((page.match(/data-test="end"/g) ?? []).length, 1, 'one End button: for the other session');

  const evil = client(app, 'x');
  t.equal((await evil.post('/login', { user: '<b>mallory</b>' })).statusCode, 303);
  const own = (await evil.get('/sessions')).body;
  t.match(own, /&#60;b&#62;mallory&#60;\/b&#62;/, 'the user name is escaped');
  t.notMatch(own, /<b>mallory/);
  t.equal(handles(own).all.length, 1, "mallory's list holds only mallory's session");
});

t.test('End ends another session of the same user only; the current one is a log out', async (t) => {
  const app = await demo(t);
  const a = client(app, 'a');
  const b = client(app, 'b');
  const other = client(app, 'other');
  await a.post('/login', { user: 'ada' });
  await b.post('/login', { user: 'ada' });
  await other.post('/login', { user: 'bob' });
  const { all, current } = handles((await a.get('/sessions')).body);
  const handleB = all.find((h) => h !== current) as string;

  const refused = await other.post('/sessions/end', { handle: handleB });
  t.equal(refused.headers.location, '/sessions?done=gone', "bob cannot end ada's session");
  t.equal((await b.get('/api/session')).json().user, 'ada', 'which stays signed in');
  t.equal((await a.post('/sessions/end', { handle: 'not-a-handle' })).headers.location, '/sessions?done=gone', 'a forged handle ends nothing');

  t.equal((await a.post('/sessions/end', { handle: handleB })).headers.location, '/sessions?done=ended');
  t.match((await a.get('/sessions?done=ended')).body, /data-test="notice">Session ended/);
  t.match((await b.get('/api/session')).json(), { active: false, user: null, counter: 0 }, 'b is signed out');
  t.same(handles((await a.get('/sessions')).body).all, [current], 'a lists only itself');
  t.equal((await a.post('/sessions/end', { handle: handleB })).headers.location, '/sessions?done=gone', 'ending it again: already gone');

  const self = await a.post('/sessions/end', { handle: current as string });
  t.equal(self.headers.location, '/', 'ending the current session logs out');
  t.equal((await a.get('/api/session')).json().user, null);
});

t.test('sign out everywhere else ends every other session of the user, and counts them', async (t) => {
  const app = await demo(t);
  const devices = ['a', 'b', 'c'].map((agent) => client(app, agent));
  for (const d of devices) await d.post('/login', { user: 'ada' });
  const bob = client(app, 'bob');
  await bob.post('/login', { user: 'bob' });
  const [a, b, c] = devices as [Client, Client, Client];
  const res = await a.post('/sessions/end-others');
  t.equal(res.headers.location, '/sessions?done=others&n=2');
  t.match((await a.get(res.headers.location as string)).body, /Signed out 2 other sessions/);
  t.equal((await a.get('/api/session')).json().user, 'ada', 'this one stays');
  t.equal((await b.get('/api/session')).json().user, null, 'the others are signed out');
  t.equal((await c.get('/api/session')).json().user, null);
  t.equal((await bob.get('/api/session')).json().user, 'bob', "another user's are untouched");
  t.match((await a.get('/sessions')).body, /data-test="no-others"/);
  t.notMatch((await a.get('/sessions?done=others&n=<b>')).body, /data-test="notice"/, 'a notice is never made from arbitrary text');
});

t.test('logging in as someone else on the same browser starts a new session', async (t) => {
  const app = await demo(t);
  const d = client(app, 'd');
  await d.post('/increment');
  await d.post('/login', { user: 'ada' });
  const ada = handles((await d.get('/sessions')).body).current;
  t.equal((await d.get('/api/session')).json().counter, 1, 'the anonymous session carries into the login');
  await d.post('/login', { user: 'bob' });
  const state = (await d.get('/api/session')).json();
  t.equal(state.user, 'bob');
  t.equal(state.counter, 0, "nothing of ada's session carries over");
  t.not(handles((await d.get('/sessions')).body).current, ada, 'under a new handle');
});

t.test('every POST must come from the same origin', async (t) => {
  const app = await demo(t);
  const routes = ['/login', '/logout', '/increment', '/grow', '/shrink', '/sessions/end', '/sessions/end-others'];
  for (const url of routes) {
    const d = client(app, 'd');
    for (const origin of ['http://evil.example', 'null', 'https://localhost:80', 'http://localhost:8080']) {
      const res = await d.post(url, { user: 'ada', handle: 'x' }, origin);
      t.equal(res.statusCode, 403, `${url} from ${origin}: 403`);
      t.equal(res.json().code, 'ERR_DEMO_CROSS_ORIGIN');
      t.equal(res.headers['set-cookie'], undefined, 'and no session touched');
    }
  }
  const d = client(app, 'd');
  t.equal((await d.post('/login', { user: 'ada' }, 'http://localhost')).statusCode, 303, 'the same origin with its default port implied');
  const crossSite = await app.inject({ method: 'POST', url: '/increment', headers: { 'sec-fetch-site': 'cross-site' } });
  t.equal(crossSite.statusCode, 403, 'no Origin, but a browser saying cross-site: 403');
  const sameOrigin = await app.inject({ method: 'POST', url: '/increment', headers: { 'sec-fetch-site': 'same-origin' } });
  t.equal(sameOrigin.statusCode, 303, 'no Origin, a browser saying same-origin: served');
  t.equal((await app.inject({ method: 'POST', url: '/increment' })).statusCode, 303, 'neither header (not a browser): served');
  const proxied = await app.inject({
    method: 'POST',
    url: '/increment',
    headers: { origin: 'https://demo.example', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'demo.example' },
  });
  t.equal(proxied.statusCode, 303, 'behind a trusted proxy, its scheme and host count');
});
