/**
 * Scenario server processes: started pinned to a CPU, stopped by pid, never left behind (a server also
 * exits when its stdin closes, i.e. when the harness goes away for any reason).
 */
import type { Buffer } from 'node:buffer';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StackId } from './scenarios.ts';

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5000;

export interface RunningServer {
  readonly stack: StackId;
  readonly port: number;
  readonly pid: number;
  /** Sends a control line (see `server.ts`) and resolves with the server's JSON answer (bounded wait). */
  command(line: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * CPU time the process has used so far, in ns, summed over its threads (JS, GC helpers, libuv pool), from
 * Linux's per-thread schedstat; `undefined` where that is not available. CPU time per request barely moves
 * when other work competes for the CPU, unlike req/s, so it is the figure to trust on a busy machine.
 */
export function processCpuNs(pid: number): number | undefined {
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ', 1)[0]);
      } catch {
        // the thread ended meanwhile
      }
    }
    return total;
  } catch {
    return undefined;
  }
}

export interface ServerStart {
  readonly stack: StackId;
  /** CPU to pin the server to (`taskset`), or undefined. */
  readonly cpu: number | undefined;
  readonly redisUrl: string | undefined;
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) if (child.pid !== undefined && child.exitCode === null) tryKill(child.pid, 'SIGKILL');
});

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Starts the server of one stack and waits (bounded) for its `{"ready":PORT}` line. */
export function startServer(start: ServerStart): Promise<RunningServer> {
  const nodeArgs = ['--conditions=@gaes/source', ...(start.nodeArgs ?? []), SERVER, start.stack];
  const [cmd, args] =
    start.cpu === undefined ? [process.execPath, nodeArgs] : ['taskset', ['-c', String(start.cpu), process.execPath, ...nodeArgs]];
  const env = { ...process.env, ...(start.redisUrl === undefined ? {} : { BENCH_REDIS_URL: start.redisUrl }) };
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      if (child.pid !== undefined) tryKill(child.pid, 'SIGKILL');
      reject(new Error(`server ${start.stack}: ${why}\n${err.slice(-4000)}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.length > 100_000) err = err.slice(-10_000);
    });
    child.on('error', (e) => fail(e.message));
    child.once('exit', (code, signal) => fail(`exited (${String(code ?? signal)}) before it was ready`));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"ready"'));
      if (line === undefined) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.once('exit', () => live.delete(child));
      child.stdout.removeAllListeners('data');
      const port = (JSON.parse(line) as { ready: number }).ready;
      const pid = child.pid as number;
      // Answers to control lines, one JSON line each, in order.
      const waiting: Array<(answer: Record<string, unknown>) => void> = [];
      let rest = out.slice(out.indexOf(line) + line.length + 1);
      child.stdout.on('data', (d: Buffer) => {
        rest += d.toString();
        let nl: number;
        while ((nl = rest.indexOf('\n')) !== -1) {
          const answer = rest.slice(0, nl);
          rest = rest.slice(nl + 1);
          if (answer.startsWith('{')) waiting.shift()?.(JSON.parse(answer) as Record<string, unknown>);
        }
      });
      resolve({
        stack: start.stack,
        port,
        pid,
        command(cmd: string): Promise<Record<string, unknown>> {
          return new Promise((res, rej) => {
            const t = setTimeout(() => rej(new Error(`server ${start.stack}: no answer to "${cmd}"`)), 30_000);
            waiting.push((answer) => {
              clearTimeout(t);
              if (typeof answer['error'] === 'string') rej(new Error(answer['error']));
              else res(answer);
            });
            child.stdin.write(`${cmd}\n`);
          });
        },
        async stop(): Promise<void> {
          if (child.exitCode !== null || child.signalCode !== null) return;
          tryKill(pid, 'SIGTERM');
          if (!(await exited(child, STOP_TIMEOUT_MS))) {
            tryKill(pid, 'SIGKILL');
            await exited(child, STOP_TIMEOUT_MS);
          }
        },
      });
    });
  });
}
