/**
 * The fuzz suites are reproducible: every run prints its seed, a failure prints the seed, the shrunk
 * counterexample and its path with the command that replays it, and `GAES_FUZZ_SEED` (plus
 * `GAES_FUZZ_PROPERTY` and `GAES_FUZZ_PATH`) replays it. Runs a failing property in a child process.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import t from 'tap';
import { fuzzFailureReport, fuzzParameters, fuzzSeed } from '../src/fuzz.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/failing-property.ts', import.meta.url));
const PROPERTY = 'numbers stay below 1000';

/** Runs the failing fixture with `env` added; its TAP output and exit status. */
function runFixture(env: Record<string, string>): { output: string; status: number | null } {
  const { GAES_FUZZ_SEED: _seed, GAES_FUZZ_PROPERTY: _property, GAES_FUZZ_PATH: _path, GAES_FUZZ_RUNS: _runs, ...inherited } = process.env;
  const child = spawnSync(process.execPath, ['--conditions=@gaes/source', FIXTURE], {
    env: { ...inherited, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { output: `${child.stdout}${child.stderr}`, status: child.status };
}

t.test('GAES_FUZZ_SEED sets the seed; without it each run draws one; anything but an integer is refused', async (t) => {
  t.equal(fuzzSeed({ GAES_FUZZ_SEED: '12345' }), 12345);
  t.equal(fuzzSeed({ GAES_FUZZ_SEED: '-7' }), -7);
  const drawn = new Set(Array.from({ length: 5 }, () => fuzzSeed({})));
  t.ok(drawn.size > 1, 'fresh seeds differ');
  t.throws(() => fuzzSeed({ GAES_FUZZ_SEED: 'abc' }), /GAES_FUZZ_SEED must be an integer/);
  t.throws(() => fuzzSeed({ GAES_FUZZ_SEED: '1.5' }), /GAES_FUZZ_SEED must be an integer/);
});

t.test('a failure report names the seed, the path and the counterexample, and a replay with them fails at once', async (t) => {
  const property = fc.property(fc.nat(), (n) => n < 1000);
  const details = fc.check(property, fuzzParameters<[number]>('p', 1000, {}, 4242));
  t.equal(details.failed, true, 'the property fails');
  const path = details.counterexamplePath ?? '';
  const { summary, report, replay } = fuzzFailureReport(details, 'p', 'packages/x/test/y.test.ts');
  t.match(summary, `seed 4242, path ${JSON.stringify(path)}`);
  t.match(report, 'Counterexample: [1000]');
  t.match(report, `seed: 4242, path: ${JSON.stringify(path)}`);
  t.match(replay.join('\n'), `GAES_FUZZ_SEED=4242 GAES_FUZZ_PROPERTY='p' GAES_FUZZ_PATH='${path}' TAP_TYPE_STRIP_ONLY=1 npx tap packages/x/test/y.test.ts`);
  t.match(replay.join('\n'), 'GAES_FUZZ_SEED=4242 TAP_TYPE_STRIP_ONLY=1 npx tap packages/x/test/y.test.ts');

  const replayed = fuzzParameters<[number]>('p', 1000, { GAES_FUZZ_SEED: '4242', GAES_FUZZ_PROPERTY: 'p', GAES_FUZZ_PATH: path }, 4242);
  t.equal(replayed.path, path, 'the path applies to the property it belongs to');
  const again = fc.check(property, replayed);
  t.equal(again.failed, true);
  t.equal(again.numRuns, 1, 'straight to the counterexample');
  t.same(again.counterexample, [1000]);
  t.equal(fuzzParameters('q', 1000, { GAES_FUZZ_PROPERTY: 'p', GAES_FUZZ_PATH: path }).path, undefined, 'and to no other property');
  t.equal(fuzzParameters('p', 10, { GAES_FUZZ_RUNS: '500' }).numRuns, 500, 'GAES_FUZZ_RUNS raises the run count');
});

t.test('a failing fuzz run prints its seed, counterexample and path, and the printed command replays it', async (t) => {
  const first = runFixture({});
  t.not(first.status, 0, 'the fixture fails');
  const seed = /# fast-check seed (-?\d+), 1000 runs: numbers stay below 1000/.exec(first.output)?.[1];
  t.ok(seed !== undefined, 'the seed is printed as a comment');
  t.match(first.output, `failed (seed ${String(seed)}, path "`);
  t.match(first.output, /Counterexample: \[1000,""\]/);
  const command = /# replay the counterexample: GAES_FUZZ_SEED=(-?\d+) GAES_FUZZ_PROPERTY='([^']*)' GAES_FUZZ_PATH='([^']*)'/.exec(first.output);
  t.equal(command?.[1], seed, 'the replay command carries the seed');
  t.equal(command?.[2], PROPERTY, 'the property');
  const path = command?.[3] ?? '';
  t.match(path, /^\d+(:\d+)*$/, 'and the counterexample path');

  const sameSeed = runFixture({ GAES_FUZZ_SEED: String(seed) });
  t.match(sameSeed.output, `failed (seed ${String(seed)}, path ${JSON.stringify(path)})`, 'the seed alone finds the same counterexample');
  const direct = runFixture({ GAES_FUZZ_SEED: String(seed), GAES_FUZZ_PROPERTY: PROPERTY, GAES_FUZZ_PATH: path });
  t.match(direct.output, 'Property failed after 1 tests', 'seed and path replay the counterexample at once');
  t.match(direct.output, /Counterexample: \[1000,""\]/);
});
