/**
 * Properties of the session codec (@gaes/core encodeSessionData / decodeSessionData):
 * exact round-trips for every supported value, and nothing but DecodeError out of hostile bytes.
 */
import { Buffer } from 'node:buffer';
import { decodeSessionData, encodeSessionData } from '../src/index.ts';
import fc from 'fast-check';
import t from 'tap';
import { checkProperty, difference, jsonSessionData, sessionData } from '@gaes/test-support/fuzz';

const hasNegativeZero = (v: unknown): boolean =>
  Object.is(v, -0) || (typeof v === 'object' && v !== null && Object.values(v).some(hasNegativeZero));

const isDecodeError = (err: unknown): boolean => (err as { code?: unknown }).code === 'ERR_GAES_DECODE';

/** Empties every container inside `value` (objects, arrays, maps, sets, bytes), depth first. */
function scramble(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  if (value instanceof Map) {
    for (const [k, v] of value) {
      scramble(k);
      scramble(v);
    }
    value.clear();
  } else if (value instanceof Set) {
    for (const v of value) scramble(v);
    value.clear();
  } else if (value instanceof Uint8Array) {
    value.fill(0xee);
  } else if (value instanceof Date) {
    value.setTime(0);
  } else if (Array.isArray(value)) {
    for (const v of value) scramble(v);
    value.length = 0;
  } else {
    for (const k of Object.keys(value)) {
      scramble((value as Record<string, unknown>)[k]);
      delete (value as Record<string, unknown>)[k];
    }
    (value as Record<string, unknown>).scrambled = true;
  }
}

t.test('decode(encode(x)) is exactly x for generated session data', async (t) => {
  await checkProperty(
    t,
    fc.property(sessionData, (data) => {
      const back = decodeSessionData(encodeSessionData(data));
      const diff = difference(data, back);
      if (diff !== undefined) throw new Error(`round-trip changed the data at ${diff}`);
    }),
    3000,
  );
});

t.test('plain JSON data takes the fast format and round-trips', async (t) => {
  await checkProperty(
    t,
    fc.property(jsonSessionData, (data) => {
      const bytes = encodeSessionData(data);
      // -0 is the one JSON number JSON.stringify cannot carry: it goes to the tagged format.
      if (bytes[0] !== 0x01 && !hasNegativeZero(data)) {
        throw new Error('plain JSON left the fast format');
      }
      const diff = difference(data, decodeSessionData(bytes));
      if (diff !== undefined) throw new Error(`round-trip changed the data at ${diff}`);
    }),
    2000,
  );
});

t.test('encoding is deterministic and decoding never shares state between calls', async (t) => {
  await checkProperty(
    t,
    fc.property(sessionData, (data) => {
      const a = encodeSessionData(data);
      const b = encodeSessionData(data);
      if (!a.equals(b)) throw new Error('two encodings of the same data differ');
      // Changing everything one decode returned, at every depth, must not show in the next decode.
      scramble(decodeSessionData(a));
      const diff = difference(data, decodeSessionData(a));
      if (diff !== undefined) throw new Error(`a change to one decode's result showed in the next, at ${diff}`);
    }),
    500,
  );
});

t.test('random bytes decode to a plain object or fail with ERR_GAES_DECODE, nothing else', async (t) => {
  let decoded = 0;
  await checkProperty(
    t,
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(undefined, 0x01, 0x02), (raw, version) => {
      const bytes = version === undefined ? raw : Buffer.concat([Buffer.of(version), raw]);
      try {
        const out = decodeSessionData(bytes);
        if (out === null || typeof out !== 'object' || Array.isArray(out) || Object.getPrototypeOf(out) !== Object.prototype) {
          throw new Error('decoded something other than a plain object');
        }
        decoded++;
      } catch (err) {
        if (!isDecodeError(err)) throw err;
      }
    }),
    5000,
  );
  t.ok(decoded >= 0, `${decoded} random inputs happened to decode`);
});

t.test('any JSON text behind either format byte decodes safely', async (t) => {
  const taggedish = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', maxDepth: 6 },
      fc.jsonValue({ maxDepth: 1 }),
      fc.tuple(fc.constantFrom('a', 'u', 'd', 'b', 'B', 'm', 's', 'n', 'f', 'x', ''), fc.array(tie('node'), { maxLength: 4 })).map(([tag, rest]) => [tag, ...rest]),
      fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'a', 'b'), tie('node'), { maxKeys: 3 }),
    ),
  })).node;
  await checkProperty(
    t,
    fc.property(fc.constantFrom(0x01, 0x02), taggedish, (version, tree) => {
      const bytes = Buffer.concat([Buffer.of(version), Buffer.from(JSON.stringify(tree) ?? 'null')]);
      try {
        const out = decodeSessionData(bytes);
        if (Object.getPrototypeOf(out) !== Object.prototype) throw new Error('decoded object has an unexpected prototype');
        if (({} as Record<string, unknown>).polluted !== undefined) throw new Error('prototype pollution');
      } catch (err) {
        if (!isDecodeError(err)) throw err;
      }
    }),
    5000,
  );
});

t.test('nesting: up to 64 levels encode, deeper data is refused with ERR_GAES_UNSERIALIZABLE', async (t) => {
  await checkProperty(
    t,
    fc.property(fc.integer({ min: 0, max: 200 }), fc.constantFrom('array', 'object', 'map'), fc.boolean(), (depth, shape, special) => {
      let v: unknown = special ? 1n : 1;
      for (let i = 0; i < depth; i++) v = shape === 'array' ? [v] : shape === 'object' ? { k: v } : new Map([['k', v]]);
      try {
        const back = decodeSessionData(encodeSessionData({ v }));
        const diff = difference({ v }, back);
        if (diff !== undefined) throw new Error(`depth ${depth}: ${diff}`);
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'ERR_GAES_UNSERIALIZABLE') throw err;
        if (depth < 63) throw new Error(`depth ${depth} refused`);
      }
    }),
    400,
  );
});
