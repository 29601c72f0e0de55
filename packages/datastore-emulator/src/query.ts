import { decodeCursor, encodeCursor, type Position } from './cursor.ts';
import { Code, RpcError, invalidArgument } from './errors.ts';
import { KEY_PROPERTY, compileFilter } from './filter.ts';
import { comparePaths, keyKind } from './keys.ts';
import type { Entity, EntityResult, Query, Value } from './messages.ts';
import { foundResult, maskEntity } from './results.ts';
import type { StoredEntity } from './store.ts';
import { compareValues, indexedValues } from './values.ts';

/** Most results in one batch; past it the batch says NOT_FINISHED and the client asks again. */
export const MAX_BATCH_SIZE = 300;

/** The `entity_result_type` of a batch. */
export type ResultType = 'FULL' | 'PROJECTION' | 'KEY_ONLY';

/** The `more_results` of a batch. */
export type MoreResults = 'NOT_FINISHED' | 'MORE_RESULTS_AFTER_LIMIT' | 'MORE_RESULTS_AFTER_CURSOR' | 'NO_MORE_RESULTS';

/** A query's answer, shaped like `google.datastore.v1.QueryResultBatch` less version and time. */
export interface QueryBatch {
  entityResultType: ResultType;
  entityResults: EntityResult[];
  skippedResults: number;
  skippedCursor?: Buffer;
  endCursor: Buffer;
  moreResults: MoreResults;
}

/** How to run a query. */
export interface RunOptions {
  /** Most results to return in this batch. @default MAX_BATCH_SIZE */
  readonly batchSize?: number;
  /** A PropertyMask for FULL results. */
  readonly maskPaths?: readonly string[];
}

interface Row {
  readonly stored: StoredEntity;
  /** The sort values (one per order) then the key. */
  readonly position: Value[];
}

/**
 * Runs a structured query over the entities of one partition: kind, filter, order (then key
 * ascending), distinct-on, projection, start and end cursors, offset, limit, batching.
 * @throws {RpcError} INVALID_ARGUMENT for malformed queries and cursors, UNIMPLEMENTED for
 *   vector search and multi-kind queries
 */
export function runQuery(entities: Iterable<StoredEntity>, query: Query, options: RunOptions = {}): QueryBatch {
  if (query.findNearest !== undefined) throw new RpcError(Code.UNIMPLEMENTED, 'find_nearest is not supported.');
  const kinds = (query.kind ?? []).map((k) => k.name ?? '');
  if (kinds.length > 1) throw new RpcError(Code.UNIMPLEMENTED, 'A query may name at most one kind.');
  const kind = kinds[0];
  const orders = (query.order ?? []).map((o) => ({
    name: o.property?.name ?? '',
    direction: o.direction === 'DESCENDING' ? -1 : 1,
  }));
  if (orders.some((o) => o.name === '')) throw invalidArgument('An order must name a property.');
  const projected = (query.projection ?? []).map((p) => p.property?.name ?? '').filter((n) => n !== KEY_PROPERTY);
  const keysOnly = (query.projection ?? []).length > 0 && projected.length === 0;
  const resultType: ResultType = keysOnly ? 'KEY_ONLY' : projected.length > 0 ? 'PROJECTION' : 'FULL';
  const matches = compileFilter(query.filter);
  const isKeySlot = [...orders.map((o) => o.name === KEY_PROPERTY), true];
  const directions = [...orders.map((o) => o.direction), 1];
  const compare = (a: readonly Value[], b: readonly Value[]): number => {
    for (let i = 0; i < directions.length; i++) {
      const x = a[i] ?? {};
      const y = b[i] ?? {};
      const c = isKeySlot[i] && x.keyValue && y.keyValue ? comparePaths(x.keyValue, y.keyValue) : compareValues(x, y);
      if (c !== 0) return c * (directions[i] ?? 1);
    }
    return 0;
  };

  let rows: Row[] = [];
  for (const stored of entities) {
    const entity = stored.entity;
    if (kind !== undefined && keyKind(entity.key ?? {}) !== kind) continue;
    if (!matches(entity)) continue;
    if (projected.some((name) => indexedValues(entity, name).length === 0)) continue;
    const position = sortPosition(entity, orders);
    if (position !== undefined) rows.push({ stored, position });
  }
  rows.sort((a, b) => compare(a.position, b.position));
  rows = distinct(rows, (query.distinctOn ?? []).map((p) => p.name ?? ''));

  const start = readCursor(query.startCursor, directions.length);
  if (start.length > 0) rows = rows.filter((row) => compare(row.position, start) > 0);
  const end = readCursor(query.endCursor, directions.length);
  let cutByEnd = false;
  if (end.length > 0) {
    const before = rows.length;
    rows = rows.filter((row) => compare(row.position, end) <= 0);
    cutByEnd = rows.length < before;
  }

  const offset = Math.max(0, query.offset ?? 0);
  const skipped = rows.slice(0, offset);
  const limit = query.limit?.value;
  const batchSize = options.batchSize ?? MAX_BATCH_SIZE;
  const wanted = Math.min(limit ?? Number.POSITIVE_INFINITY, batchSize);
  const taken = rows.slice(offset, offset + wanted);
  const remaining = rows.length - offset - taken.length;

  let moreResults: MoreResults = 'NO_MORE_RESULTS';
  if (limit !== undefined && taken.length === limit) moreResults = remaining > 0 ? 'MORE_RESULTS_AFTER_LIMIT' : 'NO_MORE_RESULTS';
  else if (taken.length === batchSize && remaining > 0) moreResults = 'NOT_FINISHED';
  else if (cutByEnd) moreResults = 'MORE_RESULTS_AFTER_CURSOR';

  const entityResults = taken.map((row) => ({
    ...foundResult(row.stored, shape(row.stored.entity, resultType, projected, options.maskPaths)),
    cursor: encodeCursor(row.position),
  }));
  const lastSkipped = skipped.at(-1);
  const skippedCursor = lastSkipped === undefined ? undefined : encodeCursor(lastSkipped.position);
  const endCursor = entityResults.at(-1)?.cursor ?? skippedCursor ?? encodeCursor(start);
  const batch: QueryBatch = { entityResultType: resultType, entityResults, skippedResults: skipped.length, endCursor, moreResults };
  if (skippedCursor !== undefined) batch.skippedCursor = skippedCursor;
  return batch;
}

/**
 * The values an entity sorts by, one per order, then its key. An entity with no indexed value for
 * an ordered property is not in that index, so it is left out (undefined). Of an array's elements,
 * the least sorts an ascending order and the greatest a descending one.
 */
function sortPosition(entity: Entity, orders: readonly { name: string; direction: number }[]): Value[] | undefined {
  const position: Value[] = [];
  for (const { name, direction } of orders) {
    if (name === KEY_PROPERTY) {
      position.push({ keyValue: entity.key ?? {} });
      continue;
    }
    const values = indexedValues(entity, name);
    if (values.length === 0) return undefined;
    let chosen = values[0] ?? {};
    for (const v of values) if (compareValues(v, chosen) * direction < 0) chosen = v;
    position.push(chosen);
  }
  position.push({ keyValue: entity.key ?? {} });
  return position;
}

/** Keeps the first row of each group of rows with equal values for the distinct-on properties. */
function distinct(rows: Row[], names: readonly string[]): Row[] {
  if (names.length === 0) return rows;
  const seen = new Set<string>();
  return rows.filter((row) => {
    const id = encodeCursor(names.map((n) => indexedValues(row.stored.entity, n)[0] ?? {})).toString('base64');
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function readCursor(bytes: Buffer | undefined, length: number): Position {
  if (bytes === undefined || bytes.length === 0) return [];
  const position = decodeCursor(bytes);
  if (position.length !== 0 && position.length !== length) throw invalidArgument('The cursor does not match the query.');
  return position;
}

/** The entity as a result of the given type shows it. */
function shape(entity: Entity, type: ResultType, projected: readonly string[], mask: readonly string[] | undefined): Entity {
  const key = entity.key ?? {};
  if (type === 'KEY_ONLY') return { key };
  if (type === 'FULL') return maskEntity(entity, mask);
  const properties: Record<string, Value> = {};
  for (const name of projected) {
    const value = indexedValues(entity, name)[0];
    if (value !== undefined) properties[name] = value;
  }
  return { key, properties };
}
