/** serverForTest: what a test sees with a server, without one, and where one is required. */
import t from 'tap';
import { serverForTest, type TestLike } from '../src/index.ts';

/** A test double that records what serverForTest asked of the test. */
function recorder(): TestLike & { calls: string[]; teardowns: Array<() => unknown> } {
  const calls: string[] = [];
  const teardowns: Array<() => unknown> = [];
  return {
    calls,
    teardowns,
    fail: (m) => calls.push(`fail ${m}`),
    comment: (m) => calls.push(`comment ${m}`),
    plan: (n, c) => calls.push(`plan ${n} ${c ?? ''}`),
    teardown: (fn) => teardowns.push(fn),
  };
}

const noServer = { PATH: '/nonexistent', REDIS_URL: '' };

t.test('no server, not required: the whole test is skipped with the reason', async (t) => {
  const rec = recorder();
  t.equal(await serverForTest(rec, 'redis', { env: noServer, required: false }), undefined);
  t.match(rec.calls, [/^comment .*skipping the redis tests/, /^plan 0 .*skipping the redis tests/]);
});

t.test('no server, not required, skipWhole false: only a comment', async (t) => {
  const rec = recorder();
  t.equal(await serverForTest(rec, 'redis', { env: noServer, required: false, skipWhole: false }), undefined);
  t.equal(rec.calls.length, 1);
  t.match(rec.calls[0], /^comment /);
});

t.test('no server where one is required: the test fails', async (t) => {
  const rec = recorder();
  t.equal(await serverForTest(rec, 'memcached', { env: { ...noServer, MEMCACHED_URL: '', CI: 'true' } }), undefined);
  t.match(rec.calls, [/^fail memcached is required here: .*required because CI=true/]);
});

t.test('a URL from the environment is used as it is, and not stopped', async (t) => {
  const rec = recorder();
  const server = await serverForTest(rec, 'redis', { env: { ...noServer, REDIS_URL: 'redis://127.0.0.1:6399' } });
  t.equal(server?.url, 'redis://127.0.0.1:6399');
  t.equal(server?.managed, false);
  t.equal(rec.teardowns.length, 0, 'nothing to stop');
  t.match(rec.calls, [/^comment redis at redis:\/\/127\.0\.0\.1:6399 \(from environment\)/]);
});
