import { tmpdir } from 'node:os';
import { TestServerError } from './errors.ts';
import { findBinary } from './find-binary.ts';
import { ManagedServer, type StartOptions } from './managed-server.ts';
import type { TestServer } from './test-server.ts';

/** Options of {@link startRedis}. */
export interface RedisOptions extends StartOptions {
  /** The `redis-server` binary. @default found on PATH */
  readonly binary?: string;
  /** `maxmemory` (e.g. `'64mb'`); none by default, like a fresh server. */
  readonly maxmemory?: string;
  /** `maxmemory-policy`, as on Memorystore. @default 'volatile-lru' */
  readonly maxmemoryPolicy?: string;
  /** More `redis-server` arguments, e.g. `['--requirepass', 'x']`. */
  readonly extraArgs?: readonly string[];
}

/**
 * Starts a throwaway `redis-server` on a free `127.0.0.1` port, with no persistence and no files written.
 * Stop it with `server.stop()` (by pid); it is also killed when the test process exits.
 * @throws {TestServerError} `ERR_GAES_TEST_SERVER_MISSING` without the binary, `ERR_GAES_TEST_SERVER_START`.
 * @example
 * const redis = await startRedis();
 * const keyv = new Keyv(new KeyvRedis(redis.url));
 * // …
 * await redis.stop();
 */
export async function startRedis(options: RedisOptions = {}): Promise<TestServer> {
  const binary = options.binary ?? findBinary('redis-server');
  if (binary === undefined) throw new TestServerError('ERR_GAES_TEST_SERVER_MISSING', 'redis-server is not installed');
  const server = new ManagedServer(
    {
      kind: 'redis',
      binary,
      args: (host, port) => [
        '--port', String(port),
        '--bind', host,
        '--save', '',
        '--appendonly', 'no',
        '--dir', tmpdir(),
        '--logfile', '',
        '--daemonize', 'no',
        ...(options.maxmemory === undefined ? [] : ['--maxmemory', options.maxmemory]),
        '--maxmemory-policy', options.maxmemoryPolicy ?? 'volatile-lru',
        ...(options.extraArgs ?? []),
      ],
      url: (host, port) => `redis://${host}:${port}`,
    },
    options,
  );
  await server.start();
  return server;
}
