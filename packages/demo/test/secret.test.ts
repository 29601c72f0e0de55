/**
 * The demo's built-in secret is in this repository for anyone to read: on App Engine (`GAE_SERVICE`) or Cloud
 * Run (`K_SERVICE`), where the demo faces the internet, it must refuse to start with it and say which
 * variable to set, rather than serve sessions anyone could forge.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { buildDemoApp } from '../src/app.ts';
import { DEMO_SECRET, demoSecret } from '../src/secret.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const SECRET = 'demo-test-session-secret-0123456789abcdefghij';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

t.test('demoSecret: the built-in secret only off Google Cloud', async (t) => {
  t.equal(demoSecret({}), DEMO_SECRET, 'locally, no configuration needed');
  t.equal(demoSecret({ SESSION_SECRET: SECRET }), SECRET);
  t.equal(code(() => demoSecret({ GAE_SERVICE: 'default' })), 'ERR_GAES_CONFIG', 'App Engine');
  t.equal(code(() => demoSecret({ K_SERVICE: 'demo' })), 'ERR_GAES_CONFIG', 'Cloud Run');
  t.equal(code(() => demoSecret({ GAE_SERVICE: 'default', SESSION_SECRET: '' })), 'ERR_GAES_CONFIG', 'an empty SESSION_SECRET is no secret');
  t.equal(code(() => demoSecret({ K_SERVICE: 'demo', SESSION_SECRET: DEMO_SECRET })), 'ERR_GAES_CONFIG', 'nor is the built-in one copied into it');
  t.equal(demoSecret({ GAE_SERVICE: 'default', SESSION_SECRET: SECRET }), SECRET);
});

t.test('the app factory refuses too, unless given a secret', async (t) => {
  const saved = process.env['GAE_SERVICE'];
  process.env['GAE_SERVICE'] = 'default';
  t.teardown(() => {
    if (saved === undefined) delete process.env['GAE_SERVICE'];
    else process.env['GAE_SERVICE'] = saved;
  });
  await t.rejects(buildDemoApp(), { code: 'ERR_GAES_CONFIG' });
  const app = await buildDemoApp({ secret: SECRET });
  t.teardown(() => app.close());
  t.equal((await app.inject({ url: '/api/session' })).statusCode, 200);
});

/** Runs the demo as App Engine would start it, with exactly `env` (plus PATH). */
function startDemo(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--conditions=@gaes/source', MAIN], {
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: '0', DEMO_NO_DATASTORE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  /** The URL the demo logged once listening, or `undefined` if it exited first. */
  const listening = new Promise<string | undefined>((resolve) => {
    child.stdout.on('data', () => {
      const url = /gaes demo: (http:\/\/[^/]+\/)/.exec(stdout)?.[1];
      if (url !== undefined) resolve(url);
    });
    void exited.then(() => resolve(undefined));
  });
  return { child, exited, listening, out: () => ({ stdout, stderr }) };
}

for (const variable of ['GAE_SERVICE', 'K_SERVICE']) {
  t.test(`with ${variable} set and no secret, the demo exits at start with one line`, async (t) => {
    const demo = startDemo({ [variable]: 'default' });
    const timer = setTimeout(() => demo.child.kill(), 30_000);
    t.equal(await demo.exited, 1, 'exit code 1');
    clearTimeout(timer);
    const { stdout, stderr } = demo.out();
    t.equal(stdout, '', 'nothing started');
    t.equal(stderr.trim().split('\n').length, 1, 'one line');
    t.match(stderr, /SESSION_SECRET/, 'naming the variable to set');
    t.match(stderr, new RegExp(variable), 'and why');
  });
}

t.test('with a secret set it starts and serves', async (t) => {
  const demo = startDemo({ GAE_SERVICE: 'default', SESSION_SECRET: SECRET });
  t.teardown(() => {
    if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
  });
  const url = await demo.listening;
  t.ok(url, `listening (${demo.out().stderr})`);
  if (url === undefined) return;
  const res = await fetch(`${url}api/session`);
  t.equal(res.status, 200);
  t.match(await res.json(), { active: false });
  t.notMatch(demo.out().stdout, /built-in demo secret/, 'no warning about the demo secret');
  demo.child.kill('SIGTERM');
  t.equal(await demo.exited, 0, 'and stops cleanly');
});
