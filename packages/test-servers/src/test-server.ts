/** The cache servers this package can run. */
export type ServerKind = 'redis' | 'memcached';

/** How {@link TestServer.stop} ends the process: `SIGTERM` shuts down cleanly, `SIGKILL` is a crash. */
export type StopSignal = 'SIGTERM' | 'SIGKILL';

/**
 * A running cache server for tests and benchmarks: one this package started (`managed`), or one named by
 * `REDIS_URL` / `MEMCACHED_URL`, which it only connects to.
 */
export interface TestServer {
  readonly kind: ServerKind;
  /** The address it listens on (`127.0.0.1` for managed servers). */
  readonly host: string;
  readonly port: number;
  /** What a client connects to: `redis://127.0.0.1:PORT` for Redis, `127.0.0.1:PORT` for Memcached. */
  readonly url: string;
  /** Whether this package started the process (and so can stop, pause and restart it). */
  readonly managed: boolean;
  /** The server's process id while it runs; `undefined` when stopped or not managed. */
  readonly pid: number | undefined;
  /** Whether the managed process is running (always `true` for an unmanaged server). */
  readonly running: boolean;
  /**
   * Ends the process by its pid and waits (bounded) until it has exited. Does nothing when stopped.
   * @param options.signal `'SIGTERM'` (default, a clean shutdown) or `'SIGKILL'` (a crash).
   * @throws {TestServerError} `ERR_GAES_TEST_SERVER_UNMANAGED` for a server given by URL.
   */
  stop(options?: { signal?: StopSignal }): Promise<void>;
  /**
   * Starts the process again on the same port and waits until it accepts connections (stops it first if running).
   * @throws {TestServerError} `ERR_GAES_TEST_SERVER_UNMANAGED` for a server given by URL; `ERR_GAES_TEST_SERVER_START`.
   */
  restart(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open but nothing answers, like a hung server. */
  pause(): void;
  /** Undoes {@link pause} (SIGCONT). */
  resume(): void;
}
