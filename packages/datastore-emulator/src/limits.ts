import { invalidArgument } from './errors.ts';
import type { Entity, Value } from './messages.ts';
import { isIndexed, valueKind } from './values.ts';

/** Most mutations one Commit may carry. */
export const MAX_MUTATIONS = 500;
/** Largest entity, in bytes (approximated by the encoded size of the Entity message). */
export const MAX_ENTITY_BYTES = 1_048_572;
/** Longest indexed string or blob value, in bytes. */
export const MAX_INDEXED_VALUE_BYTES = 1500;
/** Longest property name, in UTF-8 bytes. */
export const MAX_PROPERTY_NAME_BYTES = 1500;
/** Most keys one Lookup may ask for. */
export const MAX_LOOKUP_KEYS = 1000;

/**
 * Rejects a Commit with too many mutations.
 * @throws {RpcError} INVALID_ARGUMENT
 */
export function checkMutationCount(count: number): void {
  if (count > MAX_MUTATIONS) {
    throw invalidArgument(`cannot write more than ${MAX_MUTATIONS} entities in a single call`);
  }
}

/**
 * Rejects an entity the real service would refuse: larger than {@link MAX_ENTITY_BYTES} once
 * encoded, a property name empty or too long, an array inside an array, or an indexed string or
 * blob (at any depth in arrays and entity values) longer than {@link MAX_INDEXED_VALUE_BYTES}.
 * @throws {RpcError} INVALID_ARGUMENT
 */
export function checkEntity(entity: Entity, encodeEntity: (entity: object) => Buffer): void {
  checkProperties(entity, '', true);
  const bytes = encodeEntity(entity).length;
  if (bytes > MAX_ENTITY_BYTES) {
    throw invalidArgument(`The entity is too big: ${bytes} bytes, the maximum is ${MAX_ENTITY_BYTES} bytes.`);
  }
}

function checkProperties(entity: Entity, prefix: string, indexed: boolean): void {
  for (const [name, value] of Object.entries(entity.properties ?? {})) {
    if (name === '') throw invalidArgument('A property name cannot be empty.');
    if (Buffer.byteLength(name) > MAX_PROPERTY_NAME_BYTES) {
      throw invalidArgument(`The property name "${name.slice(0, 64)}…" is longer than ${MAX_PROPERTY_NAME_BYTES} bytes.`);
    }
    checkValue(value, prefix + name, indexed, false);
  }
}

function checkValue(value: Value, path: string, parentIndexed: boolean, inArray: boolean): void {
  const indexed = parentIndexed && isIndexed(value);
  switch (valueKind(value)) {
    case 'stringValue':
      if (indexed && Buffer.byteLength(value.stringValue ?? '') > MAX_INDEXED_VALUE_BYTES) throw tooLong(path);
      return;
    case 'blobValue':
      if (indexed && (value.blobValue?.length ?? 0) > MAX_INDEXED_VALUE_BYTES) throw tooLong(path);
      return;
    case 'arrayValue':
      if (inArray) throw invalidArgument(`The value of property "${path}" is an array inside an array.`);
      for (const element of value.arrayValue?.values ?? []) checkValue(element, path, indexed, true);
      return;
    case 'entityValue':
      checkProperties(value.entityValue ?? {}, `${path}.`, indexed);
      return;
    default:
      return;
  }
}

function tooLong(path: string) {
  return invalidArgument(`The value of property "${path}" is longer than ${MAX_INDEXED_VALUE_BYTES} bytes.`);
}
