import { createServer, type Socket } from 'node:net';
import t from 'tap';
import { emulatorEnv, freshNamespace, seedSessions, startDatastore, storedIds } from '@gaes/test-support/datastore';
import { runBin } from './fixtures/run-bin.ts';

const BIN = 'src/bin/gaes-cleanup.ts';
const db = await startDatastore(t);
const namespace = freshNamespace();
const now = Date.now();
// Ten sessions that expired an hour ago: a run that got past validation would delete them.
const ids = await seedSessions(db.datastore, namespace, Array.from({ length: 10 }, () => ({ expiresAtMs: now - 3_600_000, updatedAtMs: now - 7_200_000 })));
const env = emulatorEnv(db);

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server that accepts connections and never answers (a black hole). */
async function silentServer(t: { teardown(fn: () => unknown): void }): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as { port: number }).port;
}

const usageCases: Array<[string, string[], RegExp]> = [
  ['an unknown flag', ['--olderthan', '7d'], /^gaes-cleanup: unknown option '--olderthan' \(Did you mean --older-than\?\)/],
  ['a bad duration', ['--older-than', '7 days'], /^gaes-cleanup: --older-than "7 days" is not a duration: use a number and a unit, like 90s, 15m, 12h or 7d/],
  ['a duration without a unit', ['--max-time', '10'], /^gaes-cleanup: --max-time "10" is not a duration/],
  ['a batch size over 500', ['--batch-size', '501'], /^gaes-cleanup: --batch-size 501 is over 500, .*use 500 or less/],
  ['a batch size that is not a number', ['--batch-size', 'lots'], /^gaes-cleanup: --batch-size "lots" must be a whole number from 1 to 500/],
  ['a flag without its value', ['--older-than'], /^gaes-cleanup: option '--older-than <duration>' argument missing/],
  ['a stray argument', ['now'], /^gaes-cleanup: too many arguments/],
];

// Independent processes: start them all at once (the machine has more than one core).
const usageRuns = await Promise.all(usageCases.map(([, args]) => runBin(BIN, ['--namespace', namespace, ...args], env)));

for (const [i, [name, , message]] of usageCases.entries()) {
  t.test(`${name}: one line, exit 2, nothing deleted`, async (t) => {
    const r = usageRuns[i] as Awaited<ReturnType<typeof runBin>>;
    t.equal(r.code, 2);
    t.match(r.stderr, message);
    t.match(r.stderr, /\(see gaes-cleanup --help\)\n$/);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    t.equal(r.stdout, '');
  });
}

t.test('--json: a usage error is one JSON object too', async (t) => {
  const r = await runBin(BIN, ['--namespace', namespace, '--batch-size', '1000', '--json'], env);
  t.equal(r.code, 2);
  t.match(JSON.parse(r.stdout), { command: 'cleanup', status: 'usage-error', exitCode: 2, error: { code: 'ERR_GAES_USAGE', message: /--batch-size 1000 is over 500/ } });
});

t.test('no project anywhere: exit 2 before any RPC', async (t) => {
  const counts = db.emulator?.rpcCounts();
  const r = await runBin(BIN, ['--namespace', namespace], {}); // no emulator, no project, no credentials
  t.equal(r.code, 2);
  t.match(r.stderr, /^gaes-cleanup: no Google Cloud project: pass --project <id> or set GOOGLE_CLOUD_PROJECT/);
  t.equal(r.stderr.trim().split('\n').length, 1);
  if (counts !== undefined) t.same(db.emulator?.rpcCounts(), counts, 'no RPC anywhere');
});

// Liveness bounds, not benchmarks: a failure must not wait out the default 10 s --connect-timeout.
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

t.test('an unreachable Datastore (connection refused): exit 1 before the default connect timeout, one line', async (t) => {
  const port = await closedPort();
  const started = performance.now();
  const r = await runBin(BIN, [], { DATASTORE_EMULATOR_HOST: `127.0.0.1:${port}`, DATASTORE_PROJECT_ID: 'gaes-test' });
  const elapsedMs = performance.now() - started;
  t.equal(r.code, 1);
  t.ok(elapsedMs < DEFAULT_CONNECT_TIMEOUT_MS, `a refused connection fails at once (${Math.round(elapsedMs)} ms, process start included)`);
  t.match(r.stderr, new RegExp(`^gaes-cleanup: cannot use Datastore \\(the emulator at 127\\.0\\.0\\.1:${port} \\(project gaes-test\\)\\): connect ECONNREFUSED`));
  t.equal(r.stderr.trim().split('\n').length, 1);
});

t.test('a Datastore that never answers: the first call is bounded by --connect-timeout, exit 1', async (t) => {
  const port = await silentServer(t);
  const started = performance.now();
  const r = await runBin(BIN, ['--connect-timeout', '300ms', '--json'], { DATASTORE_EMULATOR_HOST: `127.0.0.1:${port}`, DATASTORE_PROJECT_ID: 'gaes-test' });
  const elapsedMs = performance.now() - started;
  t.equal(r.code, 1);
  t.ok(elapsedMs < DEFAULT_CONNECT_TIMEOUT_MS, `gave up after --connect-timeout, not the default (${Math.round(elapsedMs)} ms, process start included)`);
  t.match(r.stderr, /^gaes-cleanup: .*(did not answer within 300 ms|Deadline exceeded|deadline)/i);
  t.match(JSON.parse(r.stdout), { status: 'error', exitCode: 1, error: { code: 'ERR_GAES_DATASTORE_UNREACHABLE' } });
});

t.test('after every bad input, the expired sessions are all still there', async (t) => {
  t.same(await storedIds(db.datastore, namespace), [...ids].sort());
});

t.test('the same process with good input deletes them (DATASTORE_EMULATOR_HOST and DATASTORE_PROJECT_ID honoured)', async (t) => {
  const r = await runBin(BIN, ['--namespace', namespace, '--json'], env);
  t.equal(r.code, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { status: 'done', deleted: 10, exitCode: 0, target: { project: db.projectId, emulator: db.host } });
  t.same(await storedIds(db.datastore, namespace), []);
});

t.test('--help and --version exit 0', async (t) => {
  const help = await runBin(BIN, ['--help'], {});
  t.equal(help.code, 0);
  t.match(help.stdout, /^Usage: gaes-cleanup \[options\]/);
  t.match(help.stdout, /Exit codes:\n {2}0 {2}done\n {2}1 {2}error/);
  const version = await runBin(BIN, ['--version'], {});
  t.equal(version.code, 0);
  t.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
});
