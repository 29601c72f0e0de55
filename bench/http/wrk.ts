/**
 * Drives a server with wrk (Debian's `wrk` package): one thread on the load-generator CPU, closed loop,
 * `connections` keep-alive connections, for a fixed time. A Lua script reports the figures as one JSON line
 * and, for many-sessions rows, cycles through a file of Cookie headers.
 */
import type { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One wrk run's figures. */
export interface WrkResult {
  readonly requests: number;
  readonly durationS: number;
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Non-2xx/3xx responses, and socket errors (connect, read, write, timeout). */
  readonly badStatus: number;
  readonly socketErrors: number;
  /** Server CPU time per request in µs (all its threads), when it could be read. */
  readonly serverCpuUs?: number;
}

const MARK = 'WRKJSON ';

const DONE = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('${MARK}{"requests":%d,"duration_us":%d,"status":%d,"socket":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`;

function luaString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Writes the Lua script for a scenario into `dir` and returns its path.
 * One cookie: a static header (wrk pre-builds the request). Several: `request()` cycles through them.
 */
export function writeScript(dir: string, name: string, cookies: readonly string[]): string {
  let lua: string;
  if (cookies.length <= 1) {
    const header = cookies[0] === undefined ? '' : `wrk.headers["Cookie"] = ${luaString(cookies[0])}\n`;
    lua = header + DONE;
  } else {
    const file = join(dir, `${name}.cookies`);
    writeFileSync(file, `${cookies.join('\n')}\n`);
    lua = `
local cookies = {}
for line in io.lines(${luaString(file)}) do cookies[#cookies + 1] = line end
local i = 0
local n = #cookies
request = function()
  i = i + 1
  if i > n then i = 1 end
  return wrk.format(nil, nil, { ["Cookie"] = cookies[i] })
end
init = function(args)
  -- start each thread at a different point of the list (one thread by default)
  i = math.random(n) - 1
end
${DONE}`;
  }
  const path = join(dir, `${name}.lua`);
  writeFileSync(path, lua);
  return path;
}

export interface WrkRun {
  readonly url: string;
  readonly script: string;
  readonly durationS: number;
  readonly connections: number;
  /** CPU to pin wrk to (`taskset`), or undefined. */
  readonly cpu: number | undefined;
}

const running = new Set<number>();
process.on('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Runs wrk once; bounded: killed (by pid) if it outlives its duration by 20 s, or when the harness exits. */
export function runWrk(run: WrkRun): Promise<WrkResult> {
  const wrkArgs = ['-t1', `-c${run.connections}`, `-d${run.durationS}s`, '--timeout', '5s', '-s', run.script, run.url];
  const [cmd, args] = run.cpu === undefined ? ['wrk', wrkArgs] : ['taskset', ['-c', String(run.cpu), 'wrk', ...wrkArgs]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    child.once('exit', () => {
      if (pid !== undefined) running.delete(pid);
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, (run.durationS + 20) * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(MARK));
      if (code !== 0 || line === undefined) {
        reject(new Error(`wrk exited with ${String(code)}: ${err.trim() || out.trim()}`));
        return;
      }
      const j = JSON.parse(line.slice(MARK.length)) as {
        requests: number;
        duration_us: number;
        status: number;
        socket: number;
        p50_us: number;
        p99_us: number;
        max_us: number;
      };
      const durationS = j.duration_us / 1e6;
      resolve({
        requests: j.requests,
        durationS,
        reqPerSec: j.requests / durationS,
        p50Ms: j.p50_us / 1000,
        p99Ms: j.p99_us / 1000,
        maxMs: j.max_us / 1000,
        badStatus: j.status,
        socketErrors: j.socket,
      });
    });
  });
}

/** `wrk`'s version line, or undefined when it is not installed. */
export async function wrkVersion(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn('wrk', ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', () => resolve(undefined));
    child.on('close', () => resolve(out.split('\n')[0]?.replace(/ Copyright.*$/, '').trim() || undefined));
  });
}
