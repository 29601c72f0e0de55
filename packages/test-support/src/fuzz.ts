/**
 * Shared pieces of the property-based (fast-check) suites (`fuzz-*.test.ts` in packages/core and
 * packages/fastify, the cookie header parser's): run counts, reproducible seeds, a session-data arbitrary and
 * an exact, type-aware comparison (tap's `t.same` is loose and chokes printing invalid Dates).
 *
 * `GAES_FUZZ_RUNS=200000` raises every property's run count for a long run; the normal run keeps
 * each suite to a few seconds. A long run outlasts tap's per-file timeout, so turn it off:
 *
 *   GAES_FUZZ_RUNS=200000 TAP_TYPE_STRIP_ONLY=1 npx tap --timeout=0 packages/{core,fastify}/test/fuzz-*.test.ts
 *
 * Every run prints its seed (a tap comment); a failure prints the seed, the counterexample and its path,
 * and the command that replays it:
 *
 *   GAES_FUZZ_SEED=<seed>                                   the same search again (every property of the run)
 *   GAES_FUZZ_SEED=<seed> GAES_FUZZ_PROPERTY=<name> GAES_FUZZ_PATH=<path>
 *                                                           straight to the shrunk counterexample of one property
 */
import { Buffer } from 'node:buffer';
import { relative } from 'node:path';
import fc from 'fast-check';
import type { Test } from 'tap';

type Env = Readonly<Record<string, string | undefined>>;

/** The run count of a property: `normal` unless `GAES_FUZZ_RUNS` asks for more. */
export function runs(normal: number, env: Env = process.env): number {
  const long = Number(env.GAES_FUZZ_RUNS ?? '');
  return Number.isInteger(long) && long > 0 ? long : normal;
}

/** The seed of a run: `GAES_FUZZ_SEED`, or a fresh random one. @throws {Error} when `GAES_FUZZ_SEED` is not an integer */
export function fuzzSeed(env: Env = process.env): number {
  const given = env.GAES_FUZZ_SEED;
  if (given === undefined || given === '') return Math.floor(Math.random() * 0x7fff_ffff);
  const seed = Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`GAES_FUZZ_SEED must be an integer, got ${JSON.stringify(given)}`);
  return seed;
}

/** One seed for every property of this process, so a failure replays with `GAES_FUZZ_SEED` alone. */
const RUN_SEED = fuzzSeed();

/**
 * fast-check parameters of the property named `property`: the run's seed, the run count, and the
 * counterexample path of `GAES_FUZZ_PATH` when `GAES_FUZZ_PROPERTY` names this property (a path belongs to one
 * property: fast-check cannot walk it on another).
 */
export function fuzzParameters<T>(property: string, normalRuns: number, env: Env = process.env, seed = RUN_SEED): fc.Parameters<T> {
  const path = env.GAES_FUZZ_PROPERTY === property ? env.GAES_FUZZ_PATH : undefined;
  return { seed, numRuns: runs(normalRuns, env), ...(path === undefined || path === '' ? {} : { path }) };
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/** What a failed property reports: a summary, fast-check's report (seed, path, counterexample, error) and how to replay it. */
export function fuzzFailureReport<T>(
  details: fc.RunDetails<T>,
  property: string,
  file: string,
): { summary: string; report: string; replay: string[] } {
  const path = details.counterexamplePath ?? '';
  return {
    summary: `property ${JSON.stringify(property)} failed (seed ${details.seed}, path ${JSON.stringify(path)})`,
    report: fc.defaultReportMessage(details) ?? '',
    replay: [
      `replay the search: GAES_FUZZ_SEED=${details.seed} TAP_TYPE_STRIP_ONLY=1 npx tap ${file}`,
      `replay the counterexample: GAES_FUZZ_SEED=${details.seed} GAES_FUZZ_PROPERTY=${shellQuote(property)} ` +
        `GAES_FUZZ_PATH=${shellQuote(path)} TAP_TYPE_STRIP_ONLY=1 npx tap ${file}`,
    ],
  };
}

const propertyCounts = new WeakMap<Test, number>();

/**
 * Runs a fast-check property as part of test `t`: comments the seed, then passes, or fails with
 * {@link fuzzFailureReport} (the replay commands as comments, fast-check's report as the failure's diagnostic). A test's properties are named after it (`<test name>`, `<test name> #2`, …).
 */
export async function checkProperty<T>(t: Test, property: fc.IRawProperty<T>, normalRuns: number): Promise<boolean> {
  const index = (propertyCounts.get(t) ?? 0) + 1;
  propertyCounts.set(t, index);
  const name = index === 1 ? t.name : `${t.name} #${index}`;
  const parameters = fuzzParameters<T>(name, normalRuns);
  t.comment(`fast-check seed ${String(parameters.seed)}, ${String(parameters.numRuns)} runs: ${name}`);
  const details = await fc.check(property, parameters);
  const file = relative(process.cwd(), process.argv[1] ?? 'packages/*/test/fuzz-*.test.ts');
  if (details.failed) {
    const { summary, report, replay } = fuzzFailureReport(details, name, file);
    for (const line of replay) t.comment(line);
    t.fail(summary, { fastCheck: report });
  } else {
    t.pass(`${name}: ${details.numRuns} runs passed`);
  }
  return !details.failed;
}

/** Keys that have bitten JavaScript codecs before, mixed with arbitrary strings. */
export const dataKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', '0', '10', 'get', 'save') },
);

/** Sets `key` as an own data property (a `__proto__` key stays data). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function objectFrom(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) setOwn(out, k, v);
  return out;
}

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.double(), // includes NaN, ±Infinity and -0
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
  fc.date({ noInvalidDate: false }), // invalid Dates too: compared by getTime(), NaN equal to NaN
  fc.uint8Array({ maxLength: 24 }),
  fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a)),
);

/** Any value the session codec promises to round-trip: JSON plus Date, bytes, Map, Set, BigInt, undefined, odd numbers. */
export const sessionValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 5, withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.array(fc.tuple(dataKey, tie('value')), { maxLength: 5 }).map(objectFrom),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((e) => new Map(e)),
    fc.array(tie('value'), { maxLength: 4 }).map((e) => new Set(e)),
  ),
})).value;

/** Session data: a plain object at the top. */
export const sessionData: fc.Arbitrary<Record<string, unknown>> = fc
  .array(fc.tuple(dataKey, sessionValue), { maxLength: 8 })
  .map(objectFrom);

/** Session data that is plain JSON (the fast format). */
export const jsonSessionData: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.string({ maxLength: 10 }),
  fc.jsonValue({ maxDepth: 4 }),
  { maxKeys: 8, noNullPrototype: true },
) as fc.Arbitrary<Record<string, unknown>>;

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (Buffer.isBuffer(v)) return 'buffer';
  if (v instanceof Uint8Array) return 'uint8array';
  if (v instanceof Map) return 'map';
  if (v instanceof Set) return 'set';
  return 'object';
}

/**
 * The first difference between `a` and `b` as a path and a reason, or `undefined` when they are exactly
 * equal: same types (Buffer ≠ Uint8Array), `Object.is` for numbers (-0 ≠ 0, NaN = NaN), same Date time
 * (invalid = invalid), same own keys in the same order (a key holding `undefined` must be present),
 * Map and Set entries in insertion order.
 */
export function difference(a: unknown, b: unknown, path = '$'): string | undefined {
  const ka = kind(a);
  const kb = kind(b);
  if (ka !== kb) return `${path}: ${ka} vs ${kb}`;
  switch (ka) {
    case 'number':
      return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
    case 'date': {
      const ta = (a as Date).getTime();
      const tb = (b as Date).getTime();
      return Object.is(ta, tb) ? undefined : `${path}: date ${ta} vs ${tb}`;
    }
    case 'buffer':
    case 'uint8array':
      return Buffer.compare(a as Uint8Array, b as Uint8Array) === 0 ? undefined : `${path}: bytes differ`;
    case 'array':
    case 'set': {
      const xa = [...(a as Iterable<unknown>)];
      const xb = [...(b as Iterable<unknown>)];
      if (xa.length !== xb.length) return `${path}: ${ka} length ${xa.length} vs ${xb.length}`;
      for (let i = 0; i < xa.length; i++) {
        const d = difference(xa[i], xb[i], `${path}[${i}]`);
        if (d !== undefined) return d;
      }
      return undefined;
    }
    case 'map': {
      const xa = [...(a as Map<unknown, unknown>)];
      const xb = [...(b as Map<unknown, unknown>)];
      if (xa.length !== xb.length) return `${path}: map size ${xa.length} vs ${xb.length}`;
      for (let i = 0; i < xa.length; i++) {
        const d = difference(xa[i]?.[0], xb[i]?.[0], `${path}.key(${i})`) ?? difference(xa[i]?.[1], xb[i]?.[1], `${path}.get(${i})`);
        if (d !== undefined) return d;
      }
      return undefined;
    }
    case 'object': {
      const oa = a as Record<string, unknown>;
      const ob = b as Record<string, unknown>;
      const keysA = Object.keys(oa);
      const keysB = Object.keys(ob);
      if (keysA.join('\u0000') !== keysB.join('\u0000')) return `${path}: keys ${JSON.stringify(keysA)} vs ${JSON.stringify(keysB)}`;
      for (const k of keysA) {
        const d = difference(oa[k], ob[k], `${path}[${JSON.stringify(k)}]`);
        if (d !== undefined) return d;
      }
      return undefined;
    }
    default:
      return a === b ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  }
}

/** Characters of base64url plus the ones cookie parsers and chunk readers treat specially. */
export const cookieChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') },
  { weight: 2, arbitrary: fc.constantFrom('.', '%', '"', ' ', ';', ',', '=', '+', '/', '\t', '%41', '%2E', '0', '9') },
  { weight: 1, arbitrary: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)) },
);

/** Replaces, inserts or deletes characters of `s` (positions taken modulo its length). */
export type Edit = { readonly op: 'replace' | 'insert' | 'delete'; readonly at: number; readonly text: string };

export const edit: fc.Arbitrary<Edit> = fc.record({
  op: fc.constantFrom('replace', 'insert', 'delete'),
  at: fc.nat(),
  text: cookieChar,
});

export function applyEdits(s: string, edits: readonly Edit[]): string {
  let out = s;
  for (const e of edits) {
    const at = out.length === 0 ? 0 : e.at % (out.length + (e.op === 'insert' ? 1 : 0));
    if (e.op === 'insert') out = out.slice(0, at) + e.text + out.slice(at);
    else if (e.op === 'delete') out = out.slice(0, at) + out.slice(at + 1);
    else out = out.slice(0, at) + e.text + out.slice(at + 1);
  }
  return out;
}
