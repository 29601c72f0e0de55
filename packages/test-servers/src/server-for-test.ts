import { acquireServer, type AcquireOptions } from './acquire.ts';
import type { ServerKind, TestServer } from './test-server.ts';

/** What {@link serverForTest} needs of a test (a tap `Test` is one; typed by shape so this package needs no tap). */
export interface TestLike {
  fail(message: string): unknown;
  comment(message: string): unknown;
  plan(count: number, comment?: string): unknown;
  teardown(fn: () => unknown): unknown;
}

/** Options of {@link serverForTest}. */
export interface ServerForTestOptions extends AcquireOptions {
  /**
   * Without a server, end `t` as skipped with the reason (`1..0 # …`, for a test file or subtest that needs the
   * server throughout); `false` only comments the reason, for callers that skip some of their parts.
   * @default true
   */
  readonly skipWhole?: boolean;
}

/**
 * A Redis or Memcached server for test `t`: the one named by `REDIS_URL`/`MEMCACHED_URL`, else one started
 * from the installed binary and stopped (by pid) when `t` ends. `undefined` when there is none: the reason is
 * said (loudly, see {@link ServerForTestOptions.skipWhole}); where servers are required (`CI=true`) `t` fails
 * instead.
 */
export async function serverForTest(t: TestLike, kind: ServerKind, options: ServerForTestOptions = {}): Promise<TestServer | undefined> {
  const { skipWhole = true, ...acquire } = options;
  let got;
  try {
    got = await acquireServer(kind, acquire);
  } catch (err) {
    t.fail(`${kind} is required here: ${(err as Error).message}`);
    return undefined;
  }
  if (got.skip !== undefined) {
    t.comment(got.skip);
    if (skipWhole) t.plan(0, got.skip);
    return undefined;
  }
  const { server } = got;
  if (server.managed) t.teardown(() => server.stop());
  t.comment(`${kind} at ${server.url}${server.managed ? ` (pid ${String(server.pid)})` : ' (from environment)'}`);
  return server;
}
