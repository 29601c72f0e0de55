import t from 'tap';
import {
  acquireServer,
  canConnect,
  externalServer,
  findBinary,
  freePort,
  serverAvailability,
  startMemcached,
  startRedis,
  type TestServer,
} from '../src/index.ts';

const NO_BINARIES = { PATH: '/nonexistent' } as const;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

t.test('findBinary and freePort', async (t) => {
  t.match(findBinary('sh'), /\/sh$/);
  t.equal(findBinary('sh', NO_BINARIES), undefined, 'only PATH is searched when it is set');
  t.equal(findBinary('/nonexistent/redis-server'), undefined);
  const port = await freePort();
  t.ok(port > 0 && port < 65_536);
  t.equal(await canConnect('127.0.0.1', port, 200), false, 'nothing listens on a free port');
});

t.test('servers named by URL are used as they are and cannot be stopped', async (t) => {
  const redis = externalServer('redis', 'redis://:secret@10.1.2.3:6380/0');
  t.match(redis, { kind: 'redis', host: '10.1.2.3', port: 6380, url: 'redis://:secret@10.1.2.3:6380/0', managed: false });
  t.match(externalServer('redis', 'redis://cache.internal'), { port: 6379 });
  t.match(externalServer('memcached', 'memcache://10.0.0.5:11212'), { host: '10.0.0.5', port: 11212, url: '10.0.0.5:11212' });
  t.match(externalServer('memcached', '10.0.0.5,10.0.0.6:11212'), { host: '10.0.0.5', port: 11211, url: '10.0.0.5,10.0.0.6:11212' });
  await t.rejects(redis.stop(), { code: 'ERR_GAES_TEST_SERVER_UNMANAGED' });
  await t.rejects(redis.restart(), { code: 'ERR_GAES_TEST_SERVER_UNMANAGED' });
  t.throws(() => redis.pause(), { code: 'ERR_GAES_TEST_SERVER_UNMANAGED' });
  t.throws(() => externalServer('redis', 'not a url'), { code: 'ERR_GAES_TEST_SERVER_START' });
});

t.test('availability: URL first, then the binary; missing is a skip, or an error with CI=true', async (t) => {
  t.match(serverAvailability('redis', { ...NO_BINARIES, REDIS_URL: 'redis://h:1' }), { available: true, source: 'url' });
  t.match(serverAvailability('memcached', NO_BINARIES), { available: false, reason: /memcached is not installed and MEMCACHED_URL is not set/ });
  const skipped = await acquireServer('redis', { env: NO_BINARIES });
  t.match(skipped, { skip: /redis-server is not installed.*skipping the redis tests/ });
  await t.rejects(acquireServer('redis', { env: { ...NO_BINARIES, CI: 'true' } }), { code: 'ERR_GAES_TEST_SERVER_MISSING' });
  const fromUrl = await acquireServer('memcached', { env: { ...NO_BINARIES, MEMCACHED_URL: '10.0.0.5:11211' } });
  t.match(fromUrl.server, { managed: false, url: '10.0.0.5:11211' });
  const needsManaged = await acquireServer('redis', { env: { ...NO_BINARIES, REDIS_URL: 'redis://h:1', CI: 'true' }, managedOnly: true });
  t.match(needsManaged, { skip: /REDIS_URL is set, but these redis tests stop and restart their server/ }, 'a URL cannot stand in for a server to stop');
});

async function lifecycle(t: Tap, server: TestServer): Promise<void> {
  t.ok(server.managed && server.running);
  const { port } = server;
  const firstPid = server.pid as number;
  t.ok(alive(firstPid), 'running under its pid');
  t.ok(await canConnect(server.host, port), 'accepts connections');

  await server.stop();
  t.notOk(server.running);
  t.equal(server.pid, undefined);
  t.notOk(alive(firstPid), 'the process is gone');
  t.notOk(await canConnect(server.host, port), 'nothing listens any more');
  await t.resolves(server.stop(), 'stopping twice is fine');

  await server.restart();
  t.equal(server.port, port, 'restarted on the same port');
  t.not(server.pid, firstPid, 'as a new process');
  t.ok(await canConnect(server.host, port));

  server.pause();
  server.resume();
  server.pause();
  await server.stop({ signal: 'SIGKILL' });
  t.notOk(server.running, 'a paused server stops too');
}

type Tap = Parameters<Parameters<typeof t.test>[1]>[0];

for (const [kind, start] of [
  ['redis', () => startRedis()],
  ['memcached', () => startMemcached({ maxItemBytes: 2 * 1024 * 1024, memoryMb: 16 })],
] as const) {
  const binary = findBinary(kind === 'redis' ? 'redis-server' : 'memcached');
  t.test(`${kind}: start, stop by pid, restart on the same port, pause`, { skip: binary === undefined ? `${kind} is not installed` : false }, async (t) => {
    const server = await start();
    t.teardown(() => server.stop());
    await lifecycle(t, server);
  });
}

t.test('a server that cannot start says why', { skip: findBinary('redis-server') === undefined ? 'redis-server is not installed' : false }, async (t) => {
  await t.rejects(startRedis({ extraArgs: ['--no-such-directive', 'x'] }), { code: 'ERR_GAES_TEST_SERVER_START', message: /exited while starting/ });
  await t.rejects(startRedis({ binary: '/nonexistent/redis-server' }), { code: 'ERR_GAES_TEST_SERVER_START' });
});
