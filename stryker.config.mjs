// Mutation testing (StrykerJS): `pnpm mutate`. Not part of `pnpm test` or CI; it takes minutes to hours.
//
//   GAES_MUTATE=core pnpm mutate                  core only (packages/core/src, core tests)
//   GAES_MUTATE=plugin pnpm mutate                the plugin's save and store code (fastify tests)
//   pnpm mutate                                   both
//   GAES_MUTATE=core pnpm mutate --mutate packages/core/src/codec.ts    one file (split long runs by file)
//   pnpm mutate --incremental                     only mutants whose code or tests changed since the last run
//
// Reports go to .mutation/ (gitignored): .mutation/report.html, .mutation/report.json.
//
// Tests run as Stryker's tap runner runs them: `node <nodeArgs> <test file>`, one process per test file, with
// Node's type stripping and the @gaes/source condition, so the sandbox's TypeScript sources are what runs.
// Coverage is per test file: a mutant runs only the test files that reached its code.
//
// A mutant in packages/core is only seen by tests that import core by a relative path (the core tests):
// other packages reach @gaes/core through node_modules, which point at the unmutated sources.

/** What to mutate. Extend a list when a file is split or added; `!` excludes. */
const TARGETS = {
  core: {
    mutate: ['packages/core/src/**/*.ts', '!packages/core/src/index.ts'],
    // The property tests (fuzz-*) run for seconds with random input and kill nothing the others miss.
    testFiles: ['packages/core/test/**/*.test.ts', '!packages/core/test/fuzz-*.test.ts'],
  },
  plugin: {
    // The plugin's save and store code.
    mutate: [
      'packages/fastify/src/plugin.ts',
      'packages/fastify/src/session.ts',
      'packages/fastify/src/session-state.ts',
      'packages/fastify/src/incoming.ts',
      'packages/fastify/src/cookie-header.ts',
      'packages/fastify/src/load.ts',
      'packages/fastify/src/changes.ts',
      'packages/fastify/src/save.ts',
      'packages/fastify/src/set-cookies.ts',
      'packages/fastify/src/server-store.ts',
      'packages/fastify/src/cache-guards.ts',
      'packages/fastify/src/stores.ts',
      'packages/fastify/src/guarded-store.ts',
      'packages/fastify/src/breaker.ts',
      'packages/fastify/src/cache-frame.ts',
      'packages/fastify/src/keyv-store.ts',
    ],
    // Every plugin test except the ones that need external servers or browsers, or run for long with
    // random input: they add minutes per mutant and kill nothing the others miss.
    testFiles: [
      'packages/fastify/test/*.test.ts',
      '!packages/fastify/test/cache-*-redis.test.ts',
      '!packages/fastify/test/cache-*-memcached.test.ts',
      '!packages/fastify/test/cache-fault-*.test.ts',
      '!packages/fastify/test/fuzz-*.test.ts',
      '!packages/fastify/test/packaging.test.ts',
      '!packages/fastify/test/cookie-cache-memory.test.ts',
      // Waits out real Datastore deadlines: a minute a run, where every other file takes 1–3 s.
      '!packages/fastify/test/datastore-outage.test.ts',
    ],
  },
};

const chosen = process.env.GAES_MUTATE ?? 'all';
const targets = chosen === 'all' ? Object.values(TARGETS) : [TARGETS[chosen]];
if (targets.some((target) => target === undefined)) {
  throw new Error(`GAES_MUTATE must be one of ${[...Object.keys(TARGETS), 'all'].join(', ')}, got "${chosen}"`);
}

/** Glob lists with `!` exclusions, as the tap runner takes them (it has no negation of its own). */
function testFiles(list) {
  const include = list.filter((p) => !p.startsWith('!'));
  const exclude = list.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  return { include, exclude };
}
const tests = testFiles(targets.flatMap((target) => target.testFiles));

// The tap runner globs `tap.testFiles` without exclusions: expand them here.
const { globSync } = await import('node:fs');
const files = [...new Set(tests.include.flatMap((pattern) => globSync(pattern)))]
  .filter((file) => !tests.exclude.some((pattern) => globSync(pattern).includes(file)))
  .sort();

process.env.TAP_TYPE_STRIP_ONLY = '1';
// A test file run on its own (not through the tap CLI) gets tap's default 30 s limit: use the repository's.
process.env.TAP_TIMEOUT ??= '300';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'pnpm',
  plugins: ['@stryker-mutator/tap-runner'],
  testRunner: 'tap',
  tap: {
    testFiles: files,
    nodeArgs: ['--conditions=@gaes/source', '-r', '{{hookFile}}', '{{testFile}}'],
    forceBail: true,
  },
  mutate: targets.flatMap((target) => target.mutate),
  coverageAnalysis: 'perTest',
  // The machine is shared: one test process at a time (raise with --concurrency 2 at most).
  concurrency: 1,
  timeoutMS: 20_000,
  timeoutFactor: 2,
  // Stryker's tsconfig rewriting needs TypeScript's JavaScript API, which TypeScript 7 no longer has; tests run
  // through type stripping and need no tsconfig, so point it at no file.
  tsconfigFile: '.mutation/no-tsconfig.json',
  tempDirName: '.mutation-tmp',
  cleanTempDir: 'always',
  incrementalFile: '.mutation/incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: '.mutation/report.html' },
  jsonReporter: { fileName: '.mutation/report.json' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  thresholds: { high: 90, low: 75, break: null },
  ignorePatterns: ['.mutation', 'bench/results', 'packages/*/dist'],
};
