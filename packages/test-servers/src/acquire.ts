import { TestServerError } from './errors.ts';
import { externalServer } from './external-server.ts';
import { findBinary } from './find-binary.ts';
import { startMemcached, type MemcachedOptions } from './memcached.ts';
import { startRedis, type RedisOptions } from './redis.ts';
import type { ServerKind, TestServer } from './test-server.ts';

/** The environment variable that names an existing server of each kind. */
export const SERVER_URL_VARIABLES: Readonly<Record<ServerKind, string>> = { redis: 'REDIS_URL', memcached: 'MEMCACHED_URL' };
const BINARIES: Readonly<Record<ServerKind, string>> = { redis: 'redis-server', memcached: 'memcached' };

/** Where a server of one kind would come from, or why none can be had. */
export type Availability =
  | { readonly available: true; readonly source: 'url'; readonly url: string }
  | { readonly available: true; readonly source: 'binary'; readonly binary: string }
  | { readonly available: false; readonly reason: string };

/** Whether a server of `kind` can be had: its URL variable first, then its binary on PATH. */
export function serverAvailability(kind: ServerKind, env: NodeJS.ProcessEnv = process.env): Availability {
  const variable = SERVER_URL_VARIABLES[kind];
  const url = env[variable];
  if (url !== undefined && url !== '') return { available: true, source: 'url', url };
  const binary = findBinary(BINARIES[kind], env);
  if (binary !== undefined) return { available: true, source: 'binary', binary };
  return { available: false, reason: `${BINARIES[kind]} is not installed and ${variable} is not set` };
}

/** Whether missing servers are an error rather than a reason to skip: true when `CI=true`. */
export function serversRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['CI'] === 'true' || env['CI'] === '1';
}

/** Options of {@link acquireServer}. */
export interface AcquireOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Throw instead of returning `skip` when no server can be had. @default serversRequired(env) */
  readonly required?: boolean;
  /**
   * Ignore the URL variable and start a server (for tests that must stop and restart it); with only a URL
   * available this skips, even when required. @default false
   */
  readonly managedOnly?: boolean;
  readonly redis?: RedisOptions;
  readonly memcached?: MemcachedOptions;
}

/** A server, or the reason there is none (to show as a skip message). */
export type Acquired = { readonly server: TestServer; readonly skip?: never } | { readonly server?: never; readonly skip: string };

/**
 * A server of `kind` for a test suite: the one named by `REDIS_URL` / `MEMCACHED_URL` when set, else one
 * started from the installed binary, else a reason to skip. With `CI=true` a missing server throws.
 * @throws {TestServerError} `ERR_GAES_TEST_SERVER_MISSING` when required and none can be had; `ERR_GAES_TEST_SERVER_START`.
 * @example
 * const got = await acquireServer('redis');
 * if (got.skip !== undefined) t.skip(got.skip);
 */
export async function acquireServer(kind: ServerKind, options: AcquireOptions = {}): Promise<Acquired> {
  const env = options.env ?? process.env;
  const required = options.required ?? serversRequired(env);
  const found = serverAvailability(kind, options.managedOnly === true ? { ...env, [SERVER_URL_VARIABLES[kind]]: '' } : env);
  const variable = SERVER_URL_VARIABLES[kind];
  if (!found.available && options.managedOnly === true && (env[variable] ?? '') !== '') {
    // Not a missing server: the suite needs one it can stop, and the URL names one it cannot.
    return { skip: `${variable} is set, but these ${kind} tests stop and restart their server and need ${BINARIES[kind]} installed` };
  }
  if (!found.available) {
    if (required) throw new TestServerError('ERR_GAES_TEST_SERVER_MISSING', `${found.reason} (required because CI=true)`);
    return { skip: `${found.reason}: skipping the ${kind} tests` };
  }
  if (found.source === 'url') return { server: externalServer(kind, found.url) };
  const server =
    kind === 'redis'
      ? await startRedis({ ...options.redis, binary: found.binary })
      : await startMemcached({ ...options.memcached, binary: found.binary });
  return { server };
}
