import { TestServerError } from './errors.ts';
import type { ServerKind, TestServer } from './test-server.ts';

const DEFAULT_PORTS: Record<ServerKind, number> = { redis: 6379, memcached: 11211 };

function unmanaged(kind: ServerKind, what: string): TestServerError {
  return new TestServerError(
    'ERR_GAES_TEST_SERVER_UNMANAGED',
    `cannot ${what} the ${kind} server given by URL: this process did not start it`,
  );
}

/**
 * A server named by a URL (`REDIS_URL=redis://host:6379`, `MEMCACHED_URL=host:11211` or
 * `memcache://host:11211`; for Memcached the first of a comma-separated list gives host and port).
 * It cannot be stopped, paused or restarted.
 * @throws {TestServerError} `ERR_GAES_TEST_SERVER_START` for a URL that does not parse.
 */
export function externalServer(kind: ServerKind, rawUrl: string): TestServer {
  const url = kind === 'memcached' ? rawUrl.replace(/^memcached?:\/\//, '') : rawUrl;
  let host: string;
  let port: number;
  try {
    const parsed = new URL(kind === 'memcached' ? `memcache://${url.split(',')[0] ?? ''}` : url);
    host = parsed.hostname.replace(/^\[|\]$/g, '');
    port = parsed.port === '' ? DEFAULT_PORTS[kind] : Number(parsed.port);
  } catch (cause) {
    throw new TestServerError('ERR_GAES_TEST_SERVER_START', `${kind} URL "${rawUrl}" does not parse`, { cause });
  }
  return {
    kind,
    host,
    port,
    url,
    managed: false,
    pid: undefined,
    running: true,
    stop: () => Promise.reject(unmanaged(kind, 'stop')),
    restart: () => Promise.reject(unmanaged(kind, 'restart')),
    pause: () => {
      throw unmanaged(kind, 'pause');
    },
    resume: () => {
      throw unmanaged(kind, 'resume');
    },
  };
}
