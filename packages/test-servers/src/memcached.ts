import { TestServerError } from './errors.ts';
import { findBinary } from './find-binary.ts';
import { ManagedServer, type StartOptions } from './managed-server.ts';
import type { TestServer } from './test-server.ts';

/** Options of {@link startMemcached}. */
export interface MemcachedOptions extends StartOptions {
  /** The `memcached` binary. @default found on PATH */
  readonly binary?: string;
  /** Largest item the server accepts (`-I`), in bytes. @default 1048576 (memcached's and Memorystore's default) */
  readonly maxItemBytes?: number;
  /** Memory for items (`-m`), in megabytes; at least twice `maxItemBytes`. @default 64 */
  readonly memoryMb?: number;
  /** More `memcached` arguments. */
  readonly extraArgs?: readonly string[];
}

/**
 * Starts a throwaway `memcached` on a free `127.0.0.1` port (TCP only). Stop it with `server.stop()`
 * (by pid); it is also killed when the test process exits.
 * @throws {TestServerError} `ERR_GAES_TEST_SERVER_MISSING` without the binary, `ERR_GAES_TEST_SERVER_START`.
 * @example
 * const memcached = await startMemcached({ maxItemBytes: 1024 * 1024 });
 * const keyv = new Keyv(new KeyvMemcache(memcached.url));
 */
export async function startMemcached(options: MemcachedOptions = {}): Promise<TestServer> {
  const binary = options.binary ?? findBinary('memcached');
  if (binary === undefined) throw new TestServerError('ERR_GAES_TEST_SERVER_MISSING', 'memcached is not installed');
  const maxItemBytes = options.maxItemBytes ?? 1024 * 1024;
  const server = new ManagedServer(
    {
      kind: 'memcached',
      binary,
      args: (host, port) => [
        '-l', host,
        '-p', String(port),
        '-U', '0',
        '-m', String(options.memoryMb ?? 64),
        '-I', `${Math.ceil(maxItemBytes / 1024)}k`,
        // memcached refuses to run as root unless told which user to be.
        ...(process.getuid?.() === 0 ? ['-u', 'root'] : []),
        ...(options.extraArgs ?? []),
      ],
      url: (host, port) => `${host}:${port}`,
    },
    options,
  );
  await server.start();
  return server;
}
