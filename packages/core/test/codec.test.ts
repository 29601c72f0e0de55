import { Buffer } from 'node:buffer';
import t from 'tap';
import { decodeSessionData, decodeSessionText, encodeSessionData } from '../src/index.ts';

/** Session data decodes to a plain object: an `Object.prototype` object, never an array, `null` or a class instance. */
function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

const roundTrip = (v: Record<string, unknown>): Record<string, unknown> => decodeSessionData(encodeSessionData(v));

t.test('plain JSON takes the fast format', async (t) => {
  const data = { userId: 'u1', counter: 3, nested: { a: [1, 'x', null, true, { b: 2.5 }] }, s: '€ 😀' };
  const bytes = encodeSessionData(data);
  t.equal(bytes[0], 0x01);
  t.equal(bytes.subarray(1).toString(), JSON.stringify(data));
  const out = roundTrip(data);
  t.ok(isPlainObject(out), 'decodes to a plain object');
  t.strictSame(out, data);
});

t.test('special values round-trip through the tagged format', async (t) => {
  const data = {
    date: new Date(1_764_000_000_123),
    bytes: new Uint8Array([0, 1, 254, 255]),
    buf: Buffer.from('hello'),
    map: new Map<unknown, unknown>([['a', 1], [2, new Set(['x'])], [null, undefined]]),
    set: new Set([1, 'two', new Date(0)]),
    big: 123456789012345678901234567890n,
    negBig: -5n,
    undef: undefined,
    arr: [1, undefined, [new Map()], { x: undefined }],
    nums: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0],
    obj: { deep: { deeper: { bigint: 1n } } },
  };
  const bytes = encodeSessionData(data);
  t.equal(bytes[0], 0x02);
  const out = roundTrip(data);
  t.ok(isPlainObject(out), 'decodes to a plain object');
  t.strictSame(out, data);
  t.ok(isPlainObject(out.obj) && Array.isArray(out.arr), 'nested objects stay plain objects, arrays stay arrays');
  t.ok(out.date instanceof Date);
  t.equal((out.date as Date).getTime(), 1_764_000_000_123);
  const invalid = roundTrip({ d: new Date(Number.NaN) }).d;
  t.ok(invalid instanceof Date && Number.isNaN(invalid.getTime()), 'an invalid Date stays an invalid Date');
  t.ok(out.bytes instanceof Uint8Array && !Buffer.isBuffer(out.bytes), 'Uint8Array stays a Uint8Array');
  t.ok(Buffer.isBuffer(out.buf), 'Buffer stays a Buffer');
  t.ok(out.map instanceof Map);
  t.ok(out.set instanceof Set);
  t.equal(out.big, 123456789012345678901234567890n);
  t.ok('undef' in out && out.undef === undefined, 'undefined values keep their key');
  const nums = out.nums as number[];
  t.ok(Number.isNaN(nums[0]));
  t.equal(nums[1], Number.POSITIVE_INFINITY);
  t.ok(Object.is(nums[3], -0));
  t.ok(Object.is(nums[4], 0));
});

t.test('a __proto__ key stays data and never sets a prototype', async (t) => {
  const data = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
  for (const withTag of [false, true]) {
    const input = withTag ? { ...data, d: new Date(0) } : data;
    if (withTag) Object.defineProperty(input, '__proto__', { value: { polluted: true }, enumerable: true });
    const out = roundTrip(input);
    t.equal(Object.getPrototypeOf(out), Object.prototype);
    t.ok(Object.hasOwn(out, '__proto__'));
    t.same(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { polluted: true });
    t.equal(({} as Record<string, unknown>).polluted, undefined);
  }
});

t.test('values that cannot be stored are typed errors', async (t) => {
  class Thing {
    x = 1;
  }
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (const [name, value] of [
    ['function', () => 1],
    ['symbol', Symbol('s')],
    ['class instance', new Thing()],
    ['cycle', cyclic],
    ['regexp', /x/],
  ] as const) {
    t.throws(() => encodeSessionData({ value }), { code: 'ERR_GAES_UNSERIALIZABLE' }, name);
  }
});

t.test('decoding garbage is a typed error; only well-formed data decodes, to a plain object', async (t) => {
  const refused = [
    Buffer.from([]),
    Buffer.from([0x01]),
    Buffer.from([0x01, 0x7b]),
    Buffer.from('\x01[1,2]'),
    Buffer.from('\x01[]'),
    Buffer.from('\x02[]'),
    Buffer.from('\x02["a",1]'),
    Buffer.from('\x01"str"'),
    Buffer.from('\x01null'),
    Buffer.from('\x0142'),
    Buffer.from('\x01true'),
    Buffer.from('\x03{}'),
    Buffer.from('\x00{}'),
    Buffer.from('\x02{"a":["zz"]}'),
    Buffer.from('\x02{"a":["n","1.5"]}'),
    Buffer.from('\x02{"a":["b",5]}'),
    Buffer.from('\x02{"a":["B",5]}'),
    Buffer.from('\x02{"a":["f",5]}'),
  ];
  for (const c of refused) {
    const label = JSON.stringify(c.toString('latin1'));
    t.throws(() => decodeSessionData(c), { code: 'ERR_GAES_DECODE' }, `bytes ${label}`);
    t.throws(() => decodeSessionText(c.toString('utf8')), { code: 'ERR_GAES_DECODE' }, `text ${label}`);
  }
  // Well-formed, if odd: a Date without a time is an invalid Date.
  const odd = decodeSessionData(Buffer.from('\x02{"a":["d"]}'));
  t.ok(isPlainObject(odd), 'a plain object');
  t.strictSame(Object.keys(odd), ['a']);
  t.ok(odd.a instanceof Date && Number.isNaN(odd.a.getTime()), 'holding an invalid Date');
  for (const empty of ['\x01{}', '\x02{}']) {
    const out = decodeSessionData(Buffer.from(empty));
    t.ok(isPlainObject(out), `${JSON.stringify(empty)}: a plain object`);
    t.strictSame(out, {});
  }
});

t.test('compactness: plain data costs one byte over JSON', async (t) => {
  const data = { userId: 'u-12345', counter: 42, s: 'x'.repeat(200) };
  t.equal(encodeSessionData(data).byteLength, JSON.stringify(data).length + 1);
});

t.test('decoding the text form gives the same data', async (t) => {
  for (const data of [{ a: 1, s: '€ 😀' }, { d: new Date(5), m: new Map([[1, 2]]), n: 3n }]) {
    const bytes = encodeSessionData(data);
    const fromText = decodeSessionText(bytes.toString('utf8'));
    t.ok(isPlainObject(fromText), 'a plain object');
    t.strictSame(fromText, decodeSessionData(bytes));
    t.strictSame(fromText, data);
  }
  t.throws(() => decodeSessionText('\x01{'), { code: 'ERR_GAES_DECODE' });
  t.throws(() => decodeSessionText('\x09{}'), { code: 'ERR_GAES_DECODE' });
  t.throws(() => decodeSessionText(''), { code: 'ERR_GAES_DECODE' });
});
