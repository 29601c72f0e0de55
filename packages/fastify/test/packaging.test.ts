// The packages as users get them: build, `pnpm pack` (which rewrites `workspace:` ranges), `npm install` the
// tarballs into a scratch project outside the workspace, and run a plain-JavaScript app and the CLI there
// with this Node.
// It downloads from the npm registry, so it runs only with CI=true or GAES_PACK_CHECK=1.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestTarget } from '@gaes/datastore-emulator';
import t, { type Test } from 'tap';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = join(REPO, 'packages');
const APP = fileURLToPath(new URL('fixtures/consumer-app.mjs', import.meta.url));
/** A cookie-only app's node_modules: fastify (~16 MB) and sodium-native's prebuilt binaries (~18 MB). */
const MAX_COOKIE_ONLY_BYTES = 40 * 1024 * 1024;
/** What a cookie-only install must not bring: the Datastore tier, the Google Cloud client, gRPC, msgpack. */
const HEAVY = ['@gaes/datastore', '@google-cloud/datastore', '@grpc/grpc-js', 'google-gax', 'msgpackr'];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  /** The command, its exit code and everything it printed (for failure messages). */
  readonly output: string;
}

// Children get this environment without tap's NODE_OPTIONS (its loader) and without the variables a package
// manager sets for the scripts it runs (npm would take `npm_config_*` left by pnpm for its own settings).
const KEEP_NPM = new Set(['npm_config_registry', 'npm_config_cache', 'npm_config_userconfig']);
const childEnv: Record<string, string> = { METADATA_SERVER_DETECTION: 'none' }; // no Datastore client waits for a GCE metadata server
for (const [k, v] of Object.entries(process.env)) {
  if (v === undefined || k === 'NODE_OPTIONS' || k.startsWith('TAP')) continue;
  if ((k.startsWith('npm_') || k.startsWith('pnpm_')) && !KEEP_NPM.has(k)) continue;
  childEnv[k] = v;
}

/** Runs a command through sh, which drops the NODE_OPTIONS tap's process tracking adds to every child it spawns. */
function run(file: string, args: readonly string[], cwd: string, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<Run> {
  const shArgs = ['-c', 'unset NODE_OPTIONS; exec "$@"', 'sh', file, ...args];
  return new Promise((resolve) => {
    execFile('/bin/sh', shArgs, { cwd, env: { ...childEnv, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, output: `${file} ${args.join(' ')} (in ${cwd}) exited ${String(code)}\n${stdout}${stderr}` });
    });
  });
}

/** pnpm: the one running `pnpm test`, else `pnpm` on PATH. */
function pnpm(args: readonly string[], cwd: string): Promise<Run> {
  const execPath = process.env['npm_execpath'];
  return execPath !== undefined && basename(execPath).includes('pnpm') ? run(process.execPath, [execPath, ...args], cwd) : run('pnpm', args, cwd);
}

/** Disk usage of a tree as `du` counts it (allocated blocks; symlinks not followed). */
function diskBytes(path: string): number {
  const st = lstatSync(path);
  let bytes = st.blocks * 512;
  if (st.isDirectory()) for (const entry of readdirSync(path)) bytes += diskBytes(join(path, entry));
  return bytes;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** The installed package.json of `@gaes/<name>` in a project. */
function installed(dir: string, name: string): { root: string; json: Record<string, unknown> } {
  const root = join(dir, 'node_modules', '@gaes', name);
  return { root, json: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown> };
}

/** Every file an `exports` map points at, except the workspace-only `@gaes/source` condition. */
function exportTargets(exports: unknown, out: string[] = []): string[] {
  if (typeof exports === 'string') out.push(exports);
  else if (typeof exports === 'object' && exports !== null) {
    for (const [condition, target] of Object.entries(exports)) if (condition !== '@gaes/source') exportTargets(target, out);
  }
  return out;
}

/** The installed `@gaes/<name>` has no `workspace:` range left, and every file its `exports` and `bin` name. */
function checkManifest(t: Test, dir: string, name: string): void {
  const pkg = installed(dir, name);
  t.notMatch(JSON.stringify(pkg.json), /workspace:/, `@gaes/${name}: no workspace: ranges left`);
  const bin = pkg.json['bin'];
  const targets = [...exportTargets(pkg.json['exports']), ...(typeof bin === 'object' && bin !== null ? Object.values(bin as Record<string, string>) : [])];
  const missing = targets.filter((target) => !existsSync(join(pkg.root, target)));
  t.same(missing, [], `@gaes/${name}: every file its exports and bin name is in the package`);
}

/** Runs the consumer app in `dir`; its last line of output, parsed. */
async function runApp(dir: string, mode: 'cookie' | 'datastore', env: Record<string, string> = {}): Promise<unknown> {
  const r = await run(process.execPath, ['app.mjs', mode], dir, env, 60_000);
  try {
    return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '');
  } catch {
    return { unparsed: r.output };
  }
}

async function check(t: Test): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'gaes-packaging-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const tarballs = join(scratch, 'tarballs');
  mkdirSync(tarballs);

  // `pnpm test` has just built everything, so this is a no-op there; a lone run of this file packs fresh output.
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const build = await run(process.execPath, [tsc, '-b', 'packages/core', 'packages/datastore', 'packages/fastify', 'packages/cli'], REPO);
  t.equal(build.code, 0, 'tsc -b builds core, datastore, fastify and cli', { output: build.output });
  const tarball: Record<string, string> = {};
  for (const name of ['core', 'datastore', 'fastify', 'cli']) {
    const pack = await pnpm(['pack', '--pack-destination', tarballs], join(PACKAGES, name));
    const file = readdirSync(tarballs).find((f) => f.startsWith(`gaes-${name}-`) && f.endsWith('.tgz'));
    t.ok(pack.code === 0 && file !== undefined, `pnpm pack @gaes/${name}`, { output: pack.output });
    if (file === undefined) return;
    tarball[name] = join(tarballs, file);
  }

  const fastifyPkg = JSON.parse(readFileSync(join(PACKAGES, 'fastify', 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  /** A scratch project with fastify and these tarballs installed by npm, and the consumer app. */
  async function project(name: string, packages: readonly string[]): Promise<{ dir: string; install: Run }> {
    const dir = join(scratch, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `gaes-packaging-${name}`, private: true, type: 'module' }));
    copyFileSync(APP, join(dir, 'app.mjs'));
    const specs = [`fastify@${fastifyPkg.devDependencies['fastify'] ?? '5'}`, ...packages.map((p) => tarball[p] ?? p)];
    const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...specs], dir);
    return { dir, install };
  }

  await t.test('cookie-only: fastify + @gaes/fastify + @gaes/core install lean and work', async (t) => {
    const { dir, install } = await project('cookie-only', ['fastify', 'core']);
    t.equal(install.code, 0, 'npm install succeeds without @gaes/datastore', { output: install.output });
    if (install.code !== 0) return;
    for (const name of ['core', 'fastify']) checkManifest(t, dir, name);
    const present = HEAVY.filter((p) => existsSync(join(dir, 'node_modules', p)));
    t.same(present, [], 'nothing of the Datastore tier is installed');
    const bytes = diskBytes(join(dir, 'node_modules'));
    t.ok(bytes <= MAX_COOKIE_ONLY_BYTES, `node_modules takes ${mib(bytes)} (at most ${mib(MAX_COOKIE_ONLY_BYTES)})`);

    t.same(await runApp(dir, 'cookie'), { setStatus: 200, getStatus: 200, counter: 41 }, 'a session is set and read back');
    const missing = await runApp(dir, 'datastore', { GAES_DATASTORE_OPTIONS: JSON.stringify({ projectId: 'gaes-packaging' }) });
    t.match(missing, { error: { code: 'ERR_GAES_DATASTORE_MISSING' } }, '`datastore` set without @gaes/datastore: the typed error at registration');
  });

  await t.test('with @gaes/datastore and @gaes/cli: the Datastore tier stores sessions, the commands run', async (t) => {
    const target = await startTestTarget(t);
    const { dir, install } = await project('with-datastore', ['fastify', 'core', 'datastore', 'cli']);
    t.equal(install.code, 0, 'npm install succeeds', { output: install.output });
    if (install.code !== 0) return;
    for (const name of ['datastore', 'cli']) checkManifest(t, dir, name);
    const env: Record<string, string> = { GAES_DATASTORE_OPTIONS: JSON.stringify(target.clientOptions) };
    if (target.emulator === undefined) env['DATASTORE_EMULATOR_HOST'] = target.host;
    t.same(await runApp(dir, 'datastore', env), { setStatus: 200, getStatus: 200, counter: 41 }, 'a second app reads the session from Datastore');
    const cli = installed(dir, 'cli');
    for (const bin of ['gaes-cleanup', 'gaes-keys']) {
      const r = await run(join(dir, 'node_modules', '.bin', bin), ['--version'], dir);
      t.equal(r.stdout, `${String(cli.json['version'])}\n`, `${bin} --version runs`, { output: r.output });
    }
  });
}

if (process.env['CI'] === 'true' || process.env['GAES_PACK_CHECK'] === '1') t.test('the packed packages install and run outside the workspace', check);
else t.plan(0, 'packaging check skipped: it installs from the npm registry; run it with GAES_PACK_CHECK=1 (CI=true runs it too)');
