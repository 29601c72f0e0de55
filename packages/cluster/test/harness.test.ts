import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { findBinary } from '@gaes/test-servers';
import t from 'tap';
import { childEnv } from '../src/child.ts';
import { ClusterClient, startCluster, startEmulatorProcess, validateConfig, type StateBody } from '../src/index.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Bounded, but generous: on a busy shared machine processes can take long to load.
const SLOW_START_MS = 120_000;

// The subtests that start processes run side by side (they mostly wait).
t.jobs = 3;

t.test('configurations are checked before any process starts', async (t) => {
  for (const bad of [
    null,
    { cache: 'disk' },
    { cache: 'redis' },
    { cache: 'memory', secret: '' },
    { cache: 'memory', keyring: { masterSecret: 'x', refreshInterval: 1, propagation: 2 } },
    { cache: 'memory', datastore: { host: 'h:1' } },
    { cache: 'memory', datastore: { host: 'h:1', projectId: 'p' }, keyring: { masterSecret: 'x', refreshInterval: 1 } },
    { cache: 'memory', options: [] },
  ]) {
    t.throws(() => validateConfig(bad), { code: 'ERR_GAES_CLUSTER_CONFIG' }, JSON.stringify(bad));
  }
  t.ok(validateConfig({ cache: 'memcached', cacheUrl: '127.0.0.1:11211', options: { cookieOnlyThreshold: 0 } }));
  await t.rejects(startCluster({ instances: 1, config: { cache: 'redis' } }), { code: 'ERR_GAES_CLUSTER_CONFIG' });
});

t.test("children run without the test runner's hooks, with the compile cache", async (t) => {
  const env = childEnv({ NODE_OPTIONS: '"--import=file:///x/node_modules/@tapjs/processinfo/import.mjs" --max-old-space-size=512', _TAPJS_PROCESSINFO_ROOT_: 'r', PATH: '/bin' });
  t.equal(env['NODE_OPTIONS'], '--max-old-space-size=512');
  t.equal(env['_TAPJS_PROCESSINFO_ROOT_'], undefined);
  t.equal(env['PATH'], '/bin');
  t.match(env['NODE_COMPILE_CACHE'], /gaes-cluster-compile-cache$/);
  t.equal(childEnv({ NODE_COMPILE_CACHE: '/mine' })['NODE_COMPILE_CACHE'], '/mine', 'a compile cache already set is kept');
});

t.test('an instance that fails to start says why', { buffered: true }, async (t) => {
  const err = await startCluster({ instances: 1, readyTimeoutMs: SLOW_START_MS, config: { cache: 'memory', options: { cookieOnlyThreshold: -1 } } }).then(
    () => undefined,
    (e: unknown) => e as Error & { code?: string },
  );
  t.equal(err?.code, 'ERR_GAES_CLUSTER_START');
  t.match(err?.message, /ERR_GAES_CONFIG/, "the message ends with the child's stderr, which names the plugin's error code");
});

t.test('instances serve real sockets, count their calls, and stop by pid', { buffered: true }, async (t) => {
  const cluster = await startCluster({ instances: 2, readyTimeoutMs: SLOW_START_MS, config: { cache: 'memory', options: { cookieOnlyThreshold: 0 }, cookieTierRoutes: true } });
  t.teardown(() => cluster.stop());
  const client = new ClusterClient(cluster.urls);
  t.teardown(() => client.close());
  t.equal(cluster.urls.length, 2);
  t.not(cluster.urls[0], cluster.urls[1], 'each instance has its own port');

  await client.get(0, '/inc');
  const server = await client.get<{ counter: number; tier: string }>(0, '/inc');
  t.match(server.body, { counter: 2, tier: 'cache' }, 'the main registration keeps sessions server-side');
  t.ok(client.jar.get('gaes0'), 'in cookie gaes0');
  const cookie = await client.get<{ counter: number }>(1, '/cookie/inc');
  t.equal(cookie.body.counter, 1);
  const cookieState = await client.get<StateBody>(1, '/cookie/state');
  t.match(cookieState.body, { counter: 1, tier: 'cookie' }, 'the /cookie registration keeps them in cookies');
  t.ok(client.jar.get('gaesc0'), 'in cookie gaesc0');

  const stats = await client.get<{ pid: number; cache: { gets: number; hits: number; sets: number }; responses: Record<string, number> }>(0, '/_cluster/stats');
  t.equal(stats.body.pid, cluster.pids[0], 'stats come from the instance asked');
  t.ok(stats.body.cache.sets >= 2 && stats.body.cache.hits >= 1, 'cache calls are counted');
  t.equal(stats.body.responses['200'], 2);

  const bad = await client.post<{ code: string }>(0, '/set');
  t.equal(bad.status, 400);
  t.equal(bad.body.code, 'ERR_GAES_CLUSTER_BAD_QUERY');

  const [frozen] = cluster.instances;
  frozen?.pause();
  await t.rejects(client.get(0, '/untouched', { timeoutMs: 300 }), { code: 'ERR_GAES_CLUSTER_TIMEOUT' }, 'a frozen instance times out');
  frozen?.resume();
  t.equal((await client.get(0, '/untouched')).status, 200, 'and answers again once continued');

  await cluster.stop();
  for (const pid of cluster.pids) t.notOk(alive(pid), `pid ${pid} is gone`);
  await t.rejects(client.get(1, '/untouched'), { code: 'ERR_GAES_CLUSTER_REQUEST' });
  await t.resolves(cluster.stop(), 'stopping twice is fine');
});

t.test('app processes die with the process that started them', { buffered: true, skip: findBinary('setpriv') === undefined ? 'needs setpriv (Linux)' : false }, async (t) => {
  const fixture = fileURLToPath(new URL('./fixtures/parent.ts', import.meta.url));
  const parent = spawn(process.execPath, ['--conditions=@gaes/source', fixture], { stdio: ['ignore', 'pipe', 'inherit'], env: childEnv(process.env) });
  t.teardown(() => parent.kill('SIGKILL'));
  const childPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    parent.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /CHILD (\d+)/.exec(out);
      if (m !== null) resolve(Number(m[1]));
    });
    parent.once('exit', () => reject(new Error(`the fixture exited: ${out}`)));
  });
  t.ok(alive(childPid), 'the app process runs');
  parent.kill('SIGKILL');
  let gone = false;
  for (let i = 0; i < 50 && !gone; i++) {
    await sleep(100);
    gone = !alive(childPid);
  }
  t.ok(gone, 'and is killed by the kernel when its parent is SIGKILLed');
});

t.test('DATASTORE_EMULATOR_HOST names an emulator that is used as it is', async (t) => {
  const external = await startEmulatorProcess({ env: { DATASTORE_EMULATOR_HOST: '127.0.0.1:8081', DATASTORE_PROJECT_ID: 'p1' } });
  t.match(external, { host: '127.0.0.1:8081', projectId: 'p1', managed: false, pid: undefined });
  t.throws(() => external.pause(), { code: 'ERR_GAES_CLUSTER_UNMANAGED' });
  await t.resolves(external.stop());
});
