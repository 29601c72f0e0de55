import { compareBytes, compareInt64, compareNumeric, compareUtf8 } from './compare.ts';
import { compareKeys } from './keys.ts';
import type { Entity, Timestamp, Value } from './messages.ts';

/** The member of `Value.value_type` that is set, or undefined for an empty value. */
export type ValueKind =
  | 'nullValue'
  | 'booleanValue'
  | 'integerValue'
  | 'doubleValue'
  | 'timestampValue'
  | 'keyValue'
  | 'stringValue'
  | 'blobValue'
  | 'geoPointValue'
  | 'entityValue'
  | 'arrayValue';

const KINDS: readonly ValueKind[] = [
  'nullValue',
  'booleanValue',
  'integerValue',
  'doubleValue',
  'timestampValue',
  'keyValue',
  'stringValue',
  'blobValue',
  'geoPointValue',
  'entityValue',
  'arrayValue',
];

/**
 * Sort rank of each kind across types, following Datastore: null, numbers (integers and doubles
 * together), timestamps, booleans, strings, blobs, geo points, keys; then the kinds that are never
 * compared in an index (arrays are expanded, entity values only tested for equality).
 */
const RANK: Record<ValueKind, number> = {
  nullValue: 0,
  integerValue: 1,
  doubleValue: 1,
  timestampValue: 2,
  booleanValue: 3,
  stringValue: 4,
  blobValue: 5,
  geoPointValue: 6,
  keyValue: 7,
  arrayValue: 8,
  entityValue: 9,
};

/** Which member of the value's oneof is set. */
export function valueKind(value: Value): ValueKind | undefined {
  const named = value.valueType;
  if (named !== undefined && (KINDS as readonly string[]).includes(named)) return named as ValueKind;
  return KINDS.find((kind) => value[kind] !== undefined);
}

/** Orders two values as a Datastore index does. Empty values sort first. */
export function compareValues(a: Value, b: Value): number {
  const ka = valueKind(a);
  const kb = valueKind(b);
  if (ka === undefined || kb === undefined) return (ka === undefined ? 0 : 1) - (kb === undefined ? 0 : 1);
  const rank = RANK[ka] - RANK[kb];
  if (rank !== 0) return rank;
  switch (ka) {
    case 'nullValue':
      return 0;
    case 'integerValue':
    case 'doubleValue':
      return compareNumeric(numeric(a), numeric(b));
    case 'timestampValue':
      return compareTimestamps(a.timestampValue ?? {}, b.timestampValue ?? {});
    case 'booleanValue':
      return Number(a.booleanValue ?? false) - Number(b.booleanValue ?? false);
    case 'stringValue':
      return compareUtf8(a.stringValue ?? '', b.stringValue ?? '');
    case 'blobValue':
      return compareBytes(a.blobValue ?? Buffer.alloc(0), b.blobValue ?? Buffer.alloc(0));
    case 'geoPointValue':
      return (
        compareNumeric(a.geoPointValue?.latitude ?? 0, b.geoPointValue?.latitude ?? 0) ||
        compareNumeric(a.geoPointValue?.longitude ?? 0, b.geoPointValue?.longitude ?? 0)
      );
    case 'keyValue':
      return compareKeys(a.keyValue ?? {}, b.keyValue ?? {});
    case 'arrayValue':
      return compareArrays(a.arrayValue?.values ?? [], b.arrayValue?.values ?? []);
    case 'entityValue':
      return compareUtf8(stableJson(a.entityValue), stableJson(b.entityValue));
  }
}

function numeric(value: Value): number | bigint {
  return value.integerValue !== undefined ? BigInt(value.integerValue) : (value.doubleValue ?? 0);
}

/** Orders timestamps by seconds, then nanoseconds. */
export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  return compareInt64(String(a.seconds ?? 0), String(b.seconds ?? 0)) || (a.nanos ?? 0) - (b.nanos ?? 0);
}

function compareArrays(a: readonly Value[], b: readonly Value[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i] ?? {}, b[i] ?? {});
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** JSON with sorted object keys, and without index flags, so equal entity values compare equal. */
function stableJson(input: unknown): string {
  return JSON.stringify(input, (key, value: unknown) => {
    if (key === 'excludeFromIndexes' || key === 'valueType' || key === 'meaning') return undefined;
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value)) {
      const record = value as Record<string, unknown>;
      return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
    }
    return value;
  });
}

/** Whether the value is written to indexes (Datastore indexes a value unless told not to). */
export function isIndexed(value: Value): boolean {
  return value.excludeFromIndexes !== true;
}

/**
 * The indexed values of a property, as an index sees them: arrays expand to their elements, values
 * excluded from indexes are left out, and a dotted name (`a.b`) reaches into entity values.
 */
export function indexedValues(entity: Entity, name: string): Value[] {
  const properties = entity.properties ?? {};
  const direct = properties[name];
  if (direct !== undefined) return expand(direct);
  for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) {
    const head = properties[name.slice(0, dot)];
    if (head === undefined) continue;
    const rest = name.slice(dot + 1);
    return expand(head).flatMap((v) => (v.entityValue !== undefined ? indexedValues(v.entityValue, rest) : []));
  }
  return [];
}

function expand(value: Value): Value[] {
  if (!isIndexed(value)) return [];
  if (valueKind(value) === 'arrayValue') return (value.arrayValue?.values ?? []).filter(isIndexed);
  return [value];
}
