import { Buffer } from 'node:buffer';
import { DecodeError, UnserializableError } from './errors.ts';

/**
 * The session codec: JSON with a tagged form for the values JSON cannot carry.
 *
 * Format (first byte is the codec version, so it can change later):
 * - `0x01` + UTF-8 JSON: the data is plain JSON (the common case); decoded by `JSON.parse` alone.
 * - `0x02` + UTF-8 JSON of a tagged tree: every array is `["a", ...items]` and every special value is an
 *   array whose first element names its type: `["u"]` undefined, `["d", ms]` Date, `["b", base64]`
 *   Uint8Array, `["B", base64]` Buffer, `["m", k1, v1, ...]` Map, `["s", ...items]` Set, `["n", "123"]`
 *   BigInt, `["f", "NaN" | "Infinity" | "-Infinity" | "-0"]` non-JSON numbers.
 *
 * Decoding never runs code: it is `JSON.parse` plus a walk that only builds the types listed above.
 * Measured against msgpackr in `bench/codec.ts`: msgpackr turned `Map` into plain objects and renamed a
 * `__proto__` key, so it could not round-trip session data exactly.
 */
export type SessionValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | bigint
  | Date
  | Uint8Array
  | ReadonlyArray<SessionValue>
  | ReadonlyMap<SessionValue, SessionValue>
  | ReadonlySet<SessionValue>
  | { readonly [key: string]: SessionValue };

const PLAIN = 0x01;
const TAGGED = 0x02;
const MAX_DEPTH = 64;

/** Encodes session data (a plain object) to bytes. @throws {UnserializableError} */
export function encodeSessionData(data: Readonly<Record<string, unknown>>): Buffer {
  if (isPlainJson(data, 0)) {
    const json = JSON.stringify(data);
    const out = Buffer.allocUnsafe(1 + Buffer.byteLength(json));
    out[0] = PLAIN;
    out.write(json, 1);
    return out;
  }
  const json = JSON.stringify(toTagged(data, 0));
  const out = Buffer.allocUnsafe(1 + Buffer.byteLength(json));
  out[0] = TAGGED;
  out.write(json, 1);
  return out;
}

/** Decodes bytes made by {@link encodeSessionData}. @throws {DecodeError} on anything else. */
export function decodeSessionData(bytes: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 1, bytes.byteLength - 1).toString('utf8'));
  } catch (cause) {
    throw new DecodeError('session data is not valid', { cause });
  }
  return fromParsed(bytes[0], parsed);
}

/**
 * Decodes the UTF-8 text of bytes made by {@link encodeSessionData} (what `bytes.toString('utf8')` gives), for
 * callers that keep the text to decode it again without converting the bytes each time.
 * @throws {DecodeError}
 */
export function decodeSessionText(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(1));
  } catch (cause) {
    throw new DecodeError('session data is not valid', { cause });
  }
  return fromParsed(text.charCodeAt(0), parsed);
}

function fromParsed(version: number | undefined, parsed: unknown): Record<string, unknown> {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new DecodeError('session data is not an object');
  }
  if (version === PLAIN) return parsed as Record<string, unknown>;
  if (version === TAGGED) return fromTaggedObject(parsed as Record<string, unknown>, 0);
  throw new DecodeError('unknown session data format');
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True when `JSON.stringify` → `JSON.parse` gives back exactly `value`. */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth > MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !isPlainJson(value[i], depth + 1)) return false;
        }
        return true;
      }
      if (!isPlainObject(value)) return false;
      if ('toJSON' in value) return false;
      for (const key in value) {
        if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return `an instance of ${name ?? 'an unknown class'}`;
  }
  return `a ${typeof value}`;
}

function toTagged(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) {
    throw new UnserializableError(`session data is nested deeper than ${MAX_DEPTH} levels (or has a cycle)`);
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'undefined':
      return ['u'];
    case 'number':
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return ['f', Object.is(value, -0) ? '-0' : String(value)];
    case 'bigint':
      return ['n', value.toString()];
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        const out: unknown[] = ['a'];
        for (let i = 0; i < value.length; i++) out.push(toTagged(value[i], depth + 1));
        return out;
      }
      if (value instanceof Date) return ['d', Number.isNaN(value.getTime()) ? null : value.getTime()];
      if (Buffer.isBuffer(value)) return ['B', value.toString('base64')];
      if (value instanceof Uint8Array && Object.getPrototypeOf(value) === Uint8Array.prototype) {
        return ['b', Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')];
      }
      if (value instanceof Map) {
        const out: unknown[] = ['m'];
        for (const [k, v] of value) out.push(toTagged(k, depth + 1), toTagged(v, depth + 1));
        return out;
      }
      if (value instanceof Set) {
        const out: unknown[] = ['s'];
        for (const v of value) out.push(toTagged(v, depth + 1));
        return out;
      }
      if (!isPlainObject(value)) {
        throw new UnserializableError(`session data cannot hold ${describe(value)}; store plain data instead`);
      }
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        defineKey(out, key, toTagged((value as Record<string, unknown>)[key], depth + 1));
      }
      return out;
    }
    default:
      throw new UnserializableError(`session data cannot hold ${describe(value)}`);
  }
}

/** Sets `key` as an own data property, so a key named `__proto__` stays data and never sets a prototype. */
function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

function fromTaggedObject(obj: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) defineKey(out, key, fromTagged(obj[key], depth + 1));
  return out;
}

function fromTagged(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH + 2) throw new DecodeError('session data is nested too deeply');
  if (!Array.isArray(value)) return fromTaggedObject(value as Record<string, unknown>, depth);
  const tag: unknown = value[0];
  switch (tag) {
    case 'a':
      return value.slice(1).map((v: unknown) => fromTagged(v, depth + 1));
    case 'u':
      return undefined;
    case 'd':
      return new Date(typeof value[1] === 'number' ? value[1] : Number.NaN);
    case 'b': {
      const b = Buffer.from(expectString(value[1]), 'base64');
      return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    }
    case 'B':
      return Buffer.from(expectString(value[1]), 'base64');
    case 'm': {
      const map = new Map<unknown, unknown>();
      for (let i = 1; i + 1 < value.length; i += 2) map.set(fromTagged(value[i], depth + 1), fromTagged(value[i + 1], depth + 1));
      return map;
    }
    case 's':
      return new Set(value.slice(1).map((v: unknown) => fromTagged(v, depth + 1)));
    case 'n':
      try {
        return BigInt(expectString(value[1]));
      } catch (cause) {
        throw new DecodeError('invalid bigint in session data', { cause });
      }
    case 'f':
      return value[1] === '-0' ? -0 : Number(expectString(value[1]));
    default:
      throw new DecodeError('unknown tag in session data');
  }
}

function expectString(value: unknown): string {
  if (typeof value !== 'string') throw new DecodeError('malformed session data');
  return value;
}
