/** What the report says about the machine and the software measured. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg } from 'node:os';

export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly kernel: string;
  readonly node: string;
  readonly openssl: string;
}

function tryRun(cmd: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return undefined;
  }
}

export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1] !== undefined) cpuModel = m[1].trim();
  } catch {
    // not Linux
  }
  return {
    nproc: Number(tryRun('nproc', [])) || availableParallelism(),
    cpuModel,
    kernel: tryRun('uname', ['-sr']) ?? process.platform,
    node: process.version,
    openssl: process.versions.openssl ?? 'unknown',
  };
}

/** The commit measured (`abc1234`, `abc1234 + uncommitted changes in packages/`), or undefined outside git. */
export function gaesRevision(): string | undefined {
  const cwd = new URL('../../', import.meta.url).pathname;
  const head = tryRunIn(cwd, 'git', ['rev-parse', '--short', 'HEAD']);
  if (head === undefined) return undefined;
  const dirty = tryRunIn(cwd, 'git', ['status', '--porcelain', '--', 'packages']);
  return dirty === undefined || dirty === '' ? head : `${head} + uncommitted changes in packages/`;
}

function tryRunIn(cwd: string, cmd: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return undefined;
  }
}

/** The 1-minute load average (how busy the machine was: other work skews every row). */
export function load1(): number {
  return loadavg()[0] ?? 0;
}

const rootRequire = createRequire(new URL('../../package.json', import.meta.url));

/** The version of `name` as `from` (a package installed at the root) resolves it; `undefined` if missing. */
function versionOf(name: string, from?: string): string | undefined {
  let req = rootRequire;
  if (from !== undefined) {
    try {
      req = createRequire(rootRequire.resolve(`${from}/package.json`));
    } catch {
      // a package without ./package.json in its exports map: resolve from its entry point
      try {
        req = createRequire(rootRequire.resolve(from));
      } catch {
        return undefined;
      }
    }
  }
  try {
    return (req(`${name}/package.json`) as { version?: string }).version;
  } catch {
    // a package without ./package.json in its exports map: find it through its entry point
    try {
      const entry = req.resolve(name);
      const marker = `/node_modules/${name}/`;
      const root = entry.slice(0, entry.lastIndexOf(marker) + marker.length);
      return (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version?: string }).version;
    } catch {
      return undefined;
    }
  }
}

/** Installed versions of the packages the rows use (as resolved from the workspace root). */
export function packageVersions(): Array<[string, string]> {
  const list: Array<[string, string, string?]> = [
    ['fastify', 'fastify'],
    ['@fastify/cookie', '@fastify/cookie'],
    ['@gaes/fastify', '@gaes/fastify'],
    ['sodium-native (gaes)', 'sodium-native', '@gaes/core'],
    ['@fastify/secure-session', '@fastify/secure-session'],
    ['sodium-native (secure-session)', 'sodium-native', '@fastify/secure-session'],
    ['@mgcrea/fastify-session', '@mgcrea/fastify-session'],
    ['@mgcrea/fastify-session-sodium-crypto', '@mgcrea/fastify-session-sodium-crypto'],
    ['sodium-native (@mgcrea)', 'sodium-native', '@mgcrea/fastify-session-sodium-crypto'],
    ['@fastify/session', '@fastify/session'],
    ['connect-redis', 'connect-redis'],
    ['redis', 'redis'],
    ['keyv', 'keyv'],
    ['@keyv/redis', '@keyv/redis'],
    ['@google-cloud/datastore', '@google-cloud/datastore'],
    ['@google-cloud/connect-datastore', '@google-cloud/connect-datastore'],
    ['express-session', 'express-session'],
  ];
  const out: Array<[string, string]> = list.map(([label, name, from]) => [label, versionOf(name, from) ?? 'not installed']);
  const redis = tryRun('redis-server', ['--version']);
  out.push(['redis-server', /v=([\d.]+)/.exec(redis ?? '')?.[1] ?? 'not installed']);
  return out;
}
