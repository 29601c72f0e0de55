import { Code, RpcError, invalidArgument } from './errors.ts';
import { comparePaths, hasAncestor } from './keys.ts';
import type { Entity, Filter, PropertyFilter, Value } from './messages.ts';
import { compareValues, indexedValues, valueKind } from './values.ts';

/** The special property name that stands for an entity's key. */
export const KEY_PROPERTY = '__key__';

/** A compiled filter: whether an entity matches. */
export type Predicate = (entity: Entity) => boolean;

/**
 * Compiles a query filter. Property filters match when any indexed value of the property (array
 * elements count one by one) satisfies the operator, so entities without the property, or with it
 * excluded from indexes, never match. Comparisons follow index order across value types.
 * @throws {RpcError} INVALID_ARGUMENT for a malformed filter, UNIMPLEMENTED for unknown operators
 */
export function compileFilter(filter: Filter | undefined): Predicate {
  if (filter === undefined) return () => true;
  if (filter.compositeFilter !== undefined) {
    const parts = (filter.compositeFilter.filters ?? []).map(compileFilter);
    const op = filter.compositeFilter.op ?? 'AND';
    if (op === 'OR') return (entity) => parts.length === 0 || parts.some((p) => p(entity));
    if (op === 'AND' || op === 'OPERATOR_UNSPECIFIED') return (entity) => parts.every((p) => p(entity));
    throw new RpcError(Code.UNIMPLEMENTED, `Composite operator ${op} is not supported.`);
  }
  if (filter.propertyFilter !== undefined) return compilePropertyFilter(filter.propertyFilter);
  return () => true;
}

function compilePropertyFilter(filter: PropertyFilter): Predicate {
  const name = filter.property?.name ?? '';
  if (name === '') throw invalidArgument('A property filter must name a property.');
  const op = filter.op ?? 'OPERATOR_UNSPECIFIED';
  const operand = filter.value ?? {};
  const isKey = name === KEY_PROPERTY;
  if (isKey && op !== 'IN' && op !== 'NOT_IN' && valueKind(operand) !== 'keyValue') {
    throw invalidArgument('A filter on __key__ must compare with a key value.');
  }
  const valuesOf = (entity: Entity): Value[] => (isKey ? [{ keyValue: entity.key ?? {} }] : indexedValues(entity, name));
  // Keys a query scans share its partition, so compare __key__ by path: a filter key built
  // without the query's namespace still means the same place.
  const compare = isKey ? compareKeyValues : compareValues;
  const some = (test: (v: Value) => boolean): Predicate => (entity) => valuesOf(entity).some(test);
  switch (op) {
    case 'EQUAL':
      return some((v) => compare(v, operand) === 0);
    case 'NOT_EQUAL':
      return some((v) => compare(v, operand) !== 0);
    case 'LESS_THAN':
      return some((v) => compare(v, operand) < 0);
    case 'LESS_THAN_OR_EQUAL':
      return some((v) => compare(v, operand) <= 0);
    case 'GREATER_THAN':
      return some((v) => compare(v, operand) > 0);
    case 'GREATER_THAN_OR_EQUAL':
      return some((v) => compare(v, operand) >= 0);
    case 'IN':
    case 'NOT_IN': {
      if (valueKind(operand) !== 'arrayValue') throw invalidArgument(`A filter with ${op} must compare with an array value.`);
      const list = operand.arrayValue?.values ?? [];
      const member = (v: Value) => list.some((item) => compare(v, item) === 0);
      return op === 'IN' ? some(member) : some((v) => !member(v));
    }
    case 'HAS_ANCESTOR': {
      if (!isKey) throw invalidArgument('An ancestor filter must be on __key__.');
      const ancestor = operand.keyValue ?? {};
      return (entity) => hasAncestor(entity.key ?? {}, ancestor);
    }
    default:
      throw new RpcError(Code.UNIMPLEMENTED, `Property filter operator ${op} is not supported.`);
  }
}

function compareKeyValues(a: Value, b: Value): number {
  if (a.keyValue !== undefined && b.keyValue !== undefined) return comparePaths(a.keyValue, b.keyValue);
  return compareValues(a, b);
}
