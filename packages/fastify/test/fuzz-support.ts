/**
 * Shared pieces of the property-based (fast-check) suites: run counts, a session-data arbitrary and an
 * exact, type-aware comparison (tap's `t.same` is loose and chokes printing invalid Dates).
 *
 * `GAES_FUZZ_RUNS=200000` raises every property's run count for a long run; the normal run keeps
 * each suite to a few seconds. A long run outlasts tap's per-file timeout, so turn it off:
 *
 *   GAES_FUZZ_RUNS=200000 TAP_TYPE_STRIP_ONLY=1 npx tap --timeout=0 packages/fastify/test/fuzz-*.test.ts
 *
 * A failure prints its seed; `GAES_FUZZ_SEED=<seed>` replays it.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';

const LONG_RUNS = Number(process.env.GAES_FUZZ_RUNS ?? '');

/** The run count of a property: `normal` unless `GAES_FUZZ_RUNS` asks for more. */
export function runs(normal: number): number {
  return Number.isInteger(LONG_RUNS) && LONG_RUNS > 0 ? LONG_RUNS : normal;
}

/** fast-check parameters for one property (a seed from `GAES_FUZZ_SEED` replays a failure). */
export function params(normal: number): fc.Parameters<unknown> {
  const seed = process.env.GAES_FUZZ_SEED;
  return { numRuns: runs(normal), ...(seed === undefined ? {} : { seed: Number(seed) }) };
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
