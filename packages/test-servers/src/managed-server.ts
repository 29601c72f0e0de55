import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestServerError } from './errors.ts';
import { findBinary } from './find-binary.ts';
import { canConnect, freePort, LOOPBACK } from './free-port.ts';
import type { ServerKind, StopSignal, TestServer } from './test-server.ts';

/** How to run one kind of server. */
export interface ServerSpec {
  readonly kind: ServerKind;
  /** Absolute path of the server binary. */
  readonly binary: string;
  /** Command-line arguments for a server on `host:port`. */
  args(host: string, port: number): string[];
  /** The client connection string for `host:port`. */
  url(host: string, port: number): string;
}

/** Options shared by `startRedis` and `startMemcached`. */
export interface StartOptions {
  /** Longest wait for the server to accept connections. @default 10000 */
  readonly readyTimeoutMs?: number;
  /** Longest wait for the process to exit after each signal of `stop()`. @default 5000 */
  readonly stopTimeoutMs?: number;
}

const OUTPUT_TAIL_CHARS = 4000;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every server still running when the test process exits, even after a crash or a forgotten stop. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) if (child.pid !== undefined) tryKill(child.pid, 'SIGKILL');
  });
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

// `setpriv --pdeathsig` makes the kernel kill the server if this process dies without running exit hooks
// (SIGKILL, a runner's timeout); it execs the server, so the pid stays the server's.
const setpriv = process.platform === 'linux' ? findBinary('setpriv') : undefined;

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** A server process this package started; it keeps its port across {@link restart}. */
export class ManagedServer implements TestServer {
  readonly kind: ServerKind;
  readonly host = LOOPBACK;
  readonly managed = true;
  readonly #spec: ServerSpec;
  readonly #readyTimeoutMs: number;
  readonly #stopTimeoutMs: number;
  #port = 0;
  #child: ChildProcess | undefined;
  #output = '';
  #paused = false;

  constructor(spec: ServerSpec, options: StartOptions = {}) {
    this.kind = spec.kind;
    this.#spec = spec;
    this.#readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 5000;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return this.#spec.url(this.host, this.#port);
  }

  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined;
  }

  get running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Starts on a free port, trying new ports when another process took the chosen one first. */
  async start(): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      this.#port = await freePort(this.host);
      try {
        await this.#launch();
        return;
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }

  async restart(): Promise<void> {
    await this.stop();
    const deadline = Date.now() + this.#readyTimeoutMs;
    // The old socket can linger a moment after the process exits; retry the same port until the deadline.
    for (;;) {
      try {
        await this.#launch();
        return;
      } catch (err) {
        if (Date.now() >= deadline) throw err;
        await sleep(100);
      }
    }
  }

  async stop(options: { signal?: StopSignal } = {}): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.pid === undefined || !this.running) return;
    const { pid } = child;
    tryKill(pid, options.signal ?? 'SIGTERM');
    if (this.#paused) this.resume(); // a stopped process handles SIGTERM only once continued
    if (!(await waitExit(child, this.#stopTimeoutMs))) {
      tryKill(pid, 'SIGKILL');
      if (!(await waitExit(child, this.#stopTimeoutMs))) {
        throw new TestServerError('ERR_GAES_TEST_SERVER_STOP', `${this.kind} (pid ${pid}) did not exit after SIGKILL`);
      }
    }
    live.delete(child);
  }

  pause(): void {
    const pid = this.pid;
    if (pid === undefined) return;
    tryKill(pid, 'SIGSTOP');
    this.#paused = true;
  }

  resume(): void {
    const pid = this.pid;
    this.#paused = false;
    if (pid !== undefined) tryKill(pid, 'SIGCONT');
  }

  async #launch(): Promise<void> {
    installExitHook();
    const args = this.#spec.args(this.host, this.#port);
    const [command, argv] =
      setpriv === undefined ? [this.#spec.binary, args] : [setpriv, ['--pdeathsig', 'SIGKILL', this.#spec.binary, ...args]];
    this.#output = '';
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#paused = false;
    live.add(child);
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    const keepTail = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    // A forgotten stop() must not keep the test process alive; the exit hook still kills the server.
    child.unref();
    for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
    child.once('exit', () => live.delete(child));

    const deadline = Date.now() + this.#readyTimeoutMs;
    for (;;) {
      const failed = await Promise.race([spawnError, sleep(0).then(() => undefined)]);
      if (failed !== undefined) {
        live.delete(child);
        throw new TestServerError('ERR_GAES_TEST_SERVER_START', `could not run ${this.#spec.binary}`, { cause: failed });
      }
      if (!this.running) {
        live.delete(child);
        throw new TestServerError(
          'ERR_GAES_TEST_SERVER_START',
          `${this.kind} exited while starting on port ${this.#port}: ${this.#output.trim().slice(-500)}`,
        );
      }
      if (await canConnect(this.host, this.#port, 200)) return;
      if (Date.now() >= deadline) {
        await this.stop({ signal: 'SIGKILL' });
        throw new TestServerError(
          'ERR_GAES_TEST_SERVER_START',
          `${this.kind} did not accept connections on port ${this.#port} within ${this.#readyTimeoutMs} ms`,
        );
      }
      await sleep(25);
    }
  }
}
