import { readContext, type Backend } from '../backend.ts';
import { Code, RpcError, invalidArgument } from '../errors.ts';
import { keyPartition } from '../keys.ts';
import type { Aggregation, RunAggregationQueryRequest, Timestamp, Value } from '../messages.ts';
import { runQuery } from '../query.ts';
import type { StoredEntity } from '../store.ts';
import { timestampFromMs } from '../time.ts';
import { indexedValues } from '../values.ts';

/** `google.datastore.v1.RunAggregationQueryResponse`. */
export interface RunAggregationQueryResponse {
  batch: {
    aggregationResults: { aggregateProperties: Record<string, Value> }[];
    moreResults: 'NO_MORE_RESULTS';
    readTime: Timestamp;
  };
  transaction?: Buffer;
}

/**
 * RunAggregationQuery: COUNT (with `up_to`), SUM and AVG over the results of the nested query
 * (its limit, offset and cursors apply). GQL is not supported.
 * @throws {RpcError} UNIMPLEMENTED for GQL, INVALID_ARGUMENT for malformed queries
 */
export function runAggregationQuery(backend: Backend, request: RunAggregationQueryRequest): RunAggregationQueryResponse {
  if (request.gqlQuery !== undefined) throw new RpcError(Code.UNIMPLEMENTED, 'GQL queries are not supported by this emulator.');
  const nested = request.aggregationQuery?.nestedQuery;
  if (nested === undefined) throw invalidArgument('An aggregation query needs a nested query.');
  const partition = keyPartition({ partitionId: request.partitionId ?? {} }, request);
  const context = readContext(backend, request, request.readOptions);
  const batch = runQuery(backend.store.entitiesIn(partition), nested, { batchSize: Number.POSITIVE_INFINITY });
  const matched = batch.entityResults.map((r) => backend.store.get(partition, r.entity.key ?? {}));
  const entities = matched.filter((s): s is StoredEntity => s !== undefined);
  const aggregateProperties: Record<string, Value> = {};
  (request.aggregationQuery?.aggregations ?? []).forEach((aggregation, index) => {
    aggregateProperties[aggregation.alias || `property_${index + 1}`] = aggregate(aggregation, entities);
  });
  const response: RunAggregationQueryResponse = {
    batch: { aggregationResults: [{ aggregateProperties }], moreResults: 'NO_MORE_RESULTS', readTime: timestampFromMs(backend.now()) },
  };
  if (context.newTransaction !== undefined) response.transaction = context.newTransaction;
  return response;
}

function aggregate(aggregation: Aggregation, entities: readonly StoredEntity[]): Value {
  if (aggregation.count !== undefined) {
    const upTo = aggregation.count.upTo?.value;
    const count = upTo === undefined ? entities.length : Math.min(entities.length, Number(upTo));
    return { integerValue: String(count) };
  }
  const field = aggregation.sum ?? aggregation.avg;
  if (field === undefined) throw invalidArgument('An aggregation needs count, sum or avg.');
  const name = field.property?.name ?? '';
  let intSum = 0n;
  let doubleSum = 0;
  let anyDouble = false;
  let n = 0;
  for (const stored of entities) {
    for (const value of indexedValues(stored.entity, name)) {
      if (value.integerValue !== undefined) intSum += BigInt(value.integerValue);
      else if (value.doubleValue !== undefined) {
        doubleSum += value.doubleValue;
        anyDouble = true;
      } else continue;
      n++;
    }
  }
  if (aggregation.avg !== undefined) {
    return n === 0 ? { nullValue: 'NULL_VALUE' } : { doubleValue: (Number(intSum) + doubleSum) / n };
  }
  return anyDouble ? { doubleValue: Number(intSum) + doubleSum } : { integerValue: String(intSum) };
}
