import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { emulatorEnv, freshNamespace, seedSessions, startDatastore } from '@gaes/test-support/datastore';
import { PACKAGE_DIR, runBin } from './fixtures/run-bin.ts';
import { signIn } from './fixtures/users.ts';

// Users run the built JavaScript: build it (incremental, so cheap when up to date), then run it without
// the `@gaes/source` condition, as an installed package would.
const REPO = join(PACKAGE_DIR, '..', '..');
const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'); // the workspace's TypeScript (a root devDependency)
const build = await new Promise<{ code: number; output: string }>((resolve) => {
  // Through sh, without the NODE_OPTIONS tap adds to every child (its loader cannot load tsc's ESM entry).
  const command = 'unset NODE_OPTIONS; exec "$NODE_BIN" "$TSC" -b packages/cli';
  execFile('/bin/sh', ['-c', command], { cwd: REPO, timeout: 240_000, env: { PATH: process.env['PATH'] ?? '', NODE_BIN: process.execPath, TSC: tsc } }, (error, stdout, stderr) =>
    resolve({ code: error === null ? 0 : Number(error.code ?? 1), output: stdout + stderr }),
  );
});

t.test('tsc -b builds the CLI', async (t) => {
  t.equal(build.code, 0, build.output);
});

const pkg = JSON.parse(await readFile(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

for (const [name, path] of Object.entries(pkg.bin)) {
  t.test(`${name}: ${path} starts with a shebang and runs`, { skip: build.code !== 0 && 'the build failed' }, async (t) => {
    const js = await readFile(join(PACKAGE_DIR, path), 'utf8');
    t.match(js, /^#!\/usr\/bin\/env node\n/, 'runnable as an executable');
    const version = await runBin(path, ['--version'], {});
    t.equal(version.code, 0, version.stderr);
    t.equal(version.stdout, `${pkg.version}\n`);
    const help = await runBin(path, ['--help'], {});
    t.match(help.stdout, new RegExp(`^Usage: ${name} `));
  });
}

t.test('the built gaes-cleanup works against the emulator', { skip: build.code !== 0 && 'the build failed' }, async (t) => {
  const db = await startDatastore(t);
  const namespace = freshNamespace();
  await seedSessions(db.datastore, namespace, [{ expiresAtMs: Date.now() - 60_000, updatedAtMs: Date.now() - 120_000 }]);
  const r = await runBin(pkg.bin['gaes-cleanup'] as string, ['--namespace', namespace, '--json'], emulatorEnv(db));
  t.equal(r.code, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { status: 'done', deleted: 1 });
});

t.test('the built gaes-sessions lists and ends sessions in the emulator', { skip: build.code !== 0 && 'the build failed' }, async (t) => {
  const db = await startDatastore(t);
  const namespace = freshNamespace();
  const times = { createdAtMs: Date.now() - 60_000, lastSeenAtMs: Date.now() - 1000, expiresAtMs: Date.now() + 3_600_000 };
  const record = await signIn(db.datastore, namespace, 'alice', times);
  const bin = pkg.bin['gaes-sessions'] as string;
  const list = await runBin(bin, ['list', '--user', 'alice', '--namespace', namespace, '--json'], emulatorEnv(db));
  t.equal(list.code, 0, list.stderr);
  t.match(JSON.parse(list.stdout), { status: 'done', sessions: [{ handle: record.handle }] });
  const end = await runBin(bin, ['end', '--user', 'alice', '--handle', record.handle, '--namespace', namespace, '--json'], emulatorEnv(db));
  t.equal(end.code, 0, end.stderr);
  t.match(JSON.parse(end.stdout), { status: 'done', ended: 1 });
  const usage = await runBin(bin, ['end', '--user', 'alice', '--namespace', namespace], emulatorEnv(db));
  t.equal(usage.code, 2, 'neither --handle nor --all');
});
