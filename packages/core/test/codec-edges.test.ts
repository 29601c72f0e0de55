/**
 * The codec at its edges: nesting limits on both sides, cycles through every container, numbers JSON
 * cannot carry, arrays that only hold special values, objects that are not plain, and what a decode error
 * carries.
 */
import { Buffer } from 'node:buffer';
import t from 'tap';
import { decodeSessionData, decodeSessionText, encodeSessionData } from '../src/index.ts';

type Shape = 'object' | 'array' | 'map' | 'set';
const SHAPES: readonly Shape[] = ['object', 'array', 'map', 'set'];

/** `leaf` inside `levels` containers of one shape. */
function nest(levels: number, shape: Shape, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < levels; i++) v = shape === 'array' ? [v] : shape === 'object' ? { k: v } : shape === 'map' ? new Map([['k', v]]) : new Set([v]);
  return v;
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).name;
  }
};

t.test('nesting: 63 levels of any container encode and decode; 65 are refused; plain JSON 64 deep keeps the fast format', async (t) => {
  for (const shape of SHAPES) {
    for (const leaf of [1, 1n]) {
      const label = `${shape}, ${typeof leaf} leaf`;
      const data = { v: nest(63, shape, leaf) };
      t.strictSame(decodeSessionData(encodeSessionData(data)), data, `${label}: 63 levels round-trip`);
      t.equal(codeOf(() => encodeSessionData({ v: nest(65, shape, leaf) })), 'ERR_GAES_UNSERIALIZABLE', `${label}: 65 levels refused`);
    }
  }
  for (const shape of ['object', 'array'] as const) {
    const data = { v: nest(64, shape, 1) };
    const bytes = encodeSessionData(data);
    t.equal(bytes[0], 0x01, `${shape}: 64 levels of plain JSON take the fast format`);
    t.strictSame(decodeSessionData(bytes), data);
  }
});

t.test('cycles through arrays, Map keys and values, and Sets are refused, not a stack overflow', async (t) => {
  const array: unknown[] = [1];
  array.push(array);
  const mapValue = new Map<string, unknown>();
  mapValue.set('self', mapValue);
  const mapKey = new Map<unknown, unknown>();
  mapKey.set(mapKey, 1);
  const set = new Set<unknown>();
  set.add(set);
  const viaObject: Record<string, unknown> = {};
  viaObject.list = [viaObject];
  for (const [label, value] of [
    ['an array holding itself', array],
    ['a Map holding itself as a value', mapValue],
    ['a Map holding itself as a key', mapKey],
    ['a Set holding itself', set],
    ['an object reached again through an array', viaObject],
  ] as const) {
    t.equal(codeOf(() => encodeSessionData({ value })), 'ERR_GAES_UNSERIALIZABLE', label);
  }
});

t.test('hostile input nested beyond the limit is a DecodeError for every container, not a stack overflow', async (t) => {
  const wraps: Record<Shape, (inner: string) => string> = {
    object: (inner) => `{"k":${inner}}`,
    array: (inner) => `["a",${inner}]`,
    map: (inner) => `["m","k",${inner}]`,
    set: (inner) => `["s",${inner}]`,
  };
  const nested: Array<[string, (inner: string) => string]> = [...SHAPES.map((shape): [string, (inner: string) => string] => [shape, wraps[shape]]), ['map key', (inner) => `["m",${inner},1]`]];
  for (const [shape, wrap] of nested) {
    let text = '1';
    for (let i = 0; i < 100; i++) text = wrap(text);
    t.equal(codeOf(() => decodeSessionData(Buffer.from(`\u0002{"v":${text}}`))), 'ERR_GAES_DECODE', `${shape}: 100 levels`);
  }
});

t.test('numbers JSON cannot carry take the tagged format and come back exactly', async (t) => {
  for (const n of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0]) {
    const bytes = encodeSessionData({ n });
    t.equal(bytes[0], 0x02, `${String(n)}: tagged`);
    t.ok(Object.is(decodeSessionData(bytes).n, n), `${Object.is(n, -0) ? '-0' : String(n)} comes back`);
  }
  const list = decodeSessionData(encodeSessionData({ list: [0, -0] })).list as number[];
  t.ok(Object.is(list[0], 0) && Object.is(list[1], -0), '-0 inside an array, beside 0');
});

t.test('an array is plain only if every item is: special values and holes inside arrays survive', async (t) => {
  const withDate = { list: [1, new Date(5)] };
  const bytes = encodeSessionData(withDate);
  t.equal(bytes[0], 0x02, 'tagged');
  t.strictSame(decodeSessionData(bytes), withDate);
  t.ok((decodeSessionData(bytes).list as unknown[])[1] instanceof Date, 'the Date stays a Date');
  const sparse = { list: [1, , 3] };
  const back = decodeSessionData(encodeSessionData(sparse)).list as unknown[];
  t.equal(back.length, 3);
  t.ok(1 in back && back[1] === undefined, 'a hole comes back as undefined, not null');
  t.strictSame(decodeSessionData(encodeSessionData({ m: [new Map([[1, [2, new Set([3])]]])] })), { m: [new Map([[1, [2, new Set([3])]]])] });
});

t.test('objects without a prototype are plain data', async (t) => {
  const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, b: 'two' });
  const bytes = encodeSessionData({ bare });
  t.equal(bytes[0], 0x01, 'plain JSON');
  t.strictSame(decodeSessionData(bytes), { bare: { a: 1, b: 'two' } });
  const tagged = decodeSessionData(encodeSessionData({ bare, d: new Date(0) }));
  t.strictSame(tagged.bare, { a: 1, b: 'two' }, 'also in the tagged format');
});

t.test('values that only look like plain data are refused', async (t) => {
  class Bytes extends Uint8Array {}
  for (const [label, value] of [
    ['an object with a toJSON method', { toJSON: () => 'not what was stored' }],
    ['a Uint8Array subclass', new Bytes(4)],
    ['a Float64Array', new Float64Array(2)],
    ['a Uint16Array', new Uint16Array(2)],
  ] as const) {
    t.equal(codeOf(() => encodeSessionData({ value })), 'ERR_GAES_UNSERIALIZABLE', label);
  }
});

t.test('a decoded __proto__ key is an ordinary own data property', async (t) => {
  for (const bytes of [Buffer.from('\u0001{"__proto__":{"x":1}}'), encodeSessionData(JSON.parse('{"__proto__":{"x":1},"d":{"big":["n","1"]}}') as Record<string, unknown>)]) {
    const out = decodeSessionData(bytes);
    t.strictSame(Object.getOwnPropertyDescriptor(out, '__proto__'), { value: { x: 1 }, writable: true, enumerable: true, configurable: true });
    t.equal(Object.getPrototypeOf(out), Object.prototype);
  }
  const tagged = decodeSessionData(Buffer.from('\u0002{"__proto__":{"x":["n","1"]}}'));
  t.strictSame(Object.getOwnPropertyDescriptor(tagged, '__proto__'), { value: { x: 1n }, writable: true, enumerable: true, configurable: true });
});

t.test('a DecodeError keeps what went wrong as its cause', async (t) => {
  for (const [label, decode] of [
    ['bytes that are not JSON', () => decodeSessionData(Buffer.from('\u0001{not json'))],
    ['text that is not JSON', () => decodeSessionText('\u0001{not json')],
    ['an invalid BigInt', () => decodeSessionData(Buffer.from('\u0002{"n":["n","12x"]}'))],
  ] as const) {
    let error: unknown;
    try {
      decode();
    } catch (err) {
      error = err;
    }
    t.match(error, { code: 'ERR_GAES_DECODE' }, label);
    t.type((error as { cause?: unknown }).cause, SyntaxError, `${label}: the parser's error is the cause`);
  }
});
