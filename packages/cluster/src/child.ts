import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from '@gaes/test-servers';
import { ClusterError } from './errors.ts';

/** How to start one child process and recognise that it is ready. */
export interface ChildSpec {
  /** A name for messages (`app #2`, `datastore emulator`). */
  readonly name: string;
  /** The executable and its arguments. */
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** A stdout line that says the child is ready; its match is returned. */
  readonly ready: RegExp;
  /** Longest wait for the ready line. @default 20000 */
  readonly readyTimeoutMs?: number;
  /** Longest wait for the process to exit after each signal of `stop()`. @default 5000 */
  readonly stopTimeoutMs?: number;
  /** Gets every stderr line of the child (e.g. to show its warnings). */
  readonly onStderr?: (line: string) => void;
}

/** A child process this package started; every signal goes to its pid. */
export interface ChildHandle {
  readonly name: string;
  readonly pid: number;
  /** Whether the process has not exited yet. */
  readonly running: boolean;
  /** The last few KB of its stdout and stderr. */
  output(): string;
  /** Sends `signal` to the pid (nothing when it has exited). */
  signal(signal: NodeJS.Signals): void;
  /** SIGSTOP: the process is frozen; its sockets stay open but nothing answers. */
  pause(): void;
  /** SIGCONT, undoing {@link pause}. */
  resume(): void;
  /** SIGTERM, then SIGKILL after the stop timeout; resolves once it has exited. @throws {ClusterError} `ERR_GAES_CLUSTER_STOP` */
  stop(): Promise<void>;
  /** Resolves when the process exits. */
  readonly exited: Promise<void>;
}

const TAIL_CHARS = 8000;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// `setpriv --pdeathsig` makes the kernel kill the child when this process dies without running exit hooks
// (SIGKILL, a runner's timeout); it execs the command, so the pid stays the child's.
const setpriv = process.platform === 'linux' ? findBinary('setpriv') : undefined;

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      if (child.pid === undefined) continue;
      tryKill(child.pid, 'SIGKILL');
    }
  });
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves `true` once `exited` settles, `false` after `timeoutMs`. */
function within(exited: Promise<void>, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    void exited.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * The environment of a child: `env` without what a test runner injects into every node process it can see
 * (tap's `--import` of its process-info hook in `NODE_OPTIONS`, which only slows the child down here), and
 * with Node's on-disk compile cache on (`NODE_COMPILE_CACHE`, unless set), which halves a child's start-up.
 */
export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { NODE_COMPILE_CACHE: join(tmpdir(), 'gaes-cluster-compile-cache') };
  for (const [name, value] of Object.entries(env)) if (!name.startsWith('_TAPJS_')) out[name] = value;
  const options = (env['NODE_OPTIONS'] ?? '')
    .split(/\s+/)
    .filter((option) => option !== '' && !/@tapjs[\\/]/.test(option))
    .join(' ');
  if (options === '') delete out['NODE_OPTIONS'];
  else out['NODE_OPTIONS'] = options;
  return out;
}

/**
 * Starts a child process and waits (bounded) for its ready line on stdout. The child is killed when this
 * process exits (an exit hook, and on Linux `setpriv --pdeathsig SIGKILL` even when this process is killed);
 * it does not keep this process alive.
 * @throws {ClusterError} `ERR_GAES_CLUSTER_START` when it cannot run, exits first, or is not ready in time
 * (the message ends with its output).
 */
export async function startChild(spec: ChildSpec): Promise<{ child: ChildHandle; match: RegExpExecArray }> {
  installExitHook();
  const [command, argv] = setpriv === undefined ? [spec.command, [...spec.args]] : [setpriv, ['--pdeathsig', 'SIGKILL', spec.command, ...spec.args]];
  const proc = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(spec.env ?? process.env) });
  live.add(proc);
  let tail = '';
  const keep = (text: string): void => {
    tail = (tail + text).slice(-TAIL_CHARS);
  };
  const exited = new Promise<void>((resolve) => {
    if (hasExited(proc)) resolve();
    else proc.once('exit', () => resolve());
  });
  void exited.then(() => live.delete(proc));

  let stderrRest = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => {
    keep(chunk);
    if (spec.onStderr === undefined) return;
    const lines = (stderrRest + chunk).split('\n');
    stderrRest = lines.pop() ?? '';
    for (const line of lines) spec.onStderr(line);
  });

  const readyTimeoutMs = spec.readyTimeoutMs ?? 20_000;
  const startFailure = (why: string): ClusterError =>
    new ClusterError('ERR_GAES_CLUSTER_START', `${spec.name} ${why}; its output ends with:\n${tail.trim().slice(-2000)}`);
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    let stdoutRest = '';
    let found = false;
    const timer = setTimeout(() => {
      if (proc.pid !== undefined) tryKill(proc.pid, 'SIGKILL');
      reject(startFailure(`printed no ready line within ${readyTimeoutMs} ms`));
    }, readyTimeoutMs);
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (chunk: string) => {
      keep(chunk);
      if (found) return;
      const lines = (stdoutRest + chunk).split('\n');
      stdoutRest = lines.pop() ?? '';
      for (const line of lines) {
        const m = spec.ready.exec(line);
        if (m !== null) {
          found = true;
          clearTimeout(timer);
          resolve(m);
          return;
        }
      }
    });
    proc.once('error', (err) => {
      clearTimeout(timer);
      reject(new ClusterError('ERR_GAES_CLUSTER_START', `could not run ${spec.name} (${spec.command})`, { cause: err }));
    });
    void exited.then(() => {
      clearTimeout(timer);
      // Give the last output a moment to arrive, so the message shows why it exited.
      setTimeout(() => reject(startFailure(`exited while starting (code ${String(proc.exitCode)}, signal ${String(proc.signalCode)})`)), 50);
    });
  });

  // From here on the child must not hold this process open; the exit hook still ends it.
  proc.unref();
  for (const stream of [proc.stdout, proc.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();

  const pid = proc.pid as number;
  const stopTimeoutMs = spec.stopTimeoutMs ?? 5000;
  const child: ChildHandle = {
    name: spec.name,
    pid,
    get running() {
      return !hasExited(proc);
    },
    output: () => tail,
    signal(signal) {
      if (!hasExited(proc)) tryKill(pid, signal);
    },
    pause() {
      this.signal('SIGSTOP');
    },
    resume() {
      this.signal('SIGCONT');
    },
    async stop() {
      if (hasExited(proc)) return;
      tryKill(pid, 'SIGTERM');
      tryKill(pid, 'SIGCONT'); // a frozen process handles SIGTERM only once continued
      if (await within(exited, stopTimeoutMs)) return;
      tryKill(pid, 'SIGKILL');
      if (!(await within(exited, stopTimeoutMs))) {
        throw new ClusterError('ERR_GAES_CLUSTER_STOP', `${spec.name} (pid ${pid}) did not exit after SIGKILL`);
      }
    },
    exited,
  };
  return { child, match };
}
