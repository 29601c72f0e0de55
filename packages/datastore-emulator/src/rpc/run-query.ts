import { readContext, type Backend } from '../backend.ts';
import { Code, RpcError, invalidArgument } from '../errors.ts';
import { keyPartition } from '../keys.ts';
import type { RunQueryRequest, Timestamp } from '../messages.ts';
import { runQuery, type QueryBatch } from '../query.ts';
import { timestampFromMs } from '../time.ts';
import { recordRead } from '../transactions.ts';

/** `google.datastore.v1.RunQueryResponse`. */
export interface RunQueryResponse {
  batch: QueryBatch & { snapshotVersion: string; readTime: Timestamp };
  transaction?: Buffer;
}

/**
 * RunQuery: runs a structured query in the request's partition. GQL is not supported. Inside a
 * transaction, the entities returned count as read (optimistic: ranges are not locked).
 * @throws {RpcError} UNIMPLEMENTED for GQL, INVALID_ARGUMENT for malformed queries
 */
export function runQueryRpc(backend: Backend, request: RunQueryRequest): RunQueryResponse {
  if (request.gqlQuery !== undefined) throw new RpcError(Code.UNIMPLEMENTED, 'GQL queries are not supported by this emulator.');
  if (request.query === undefined) throw invalidArgument('A query is required.');
  const partition = keyPartition({ partitionId: request.partitionId ?? {} }, request);
  const context = readContext(backend, request, request.readOptions);
  const options = request.propertyMask?.paths === undefined ? {} : { maskPaths: request.propertyMask.paths };
  const batch = runQuery(backend.store.entitiesIn(partition), request.query, options);
  if (context.transaction !== undefined) {
    for (const result of batch.entityResults) {
      const key = result.entity.key ?? {};
      recordRead(context.transaction, partition, key, backend.store.lastChange(partition, key));
    }
  }
  const response: RunQueryResponse = {
    batch: { ...batch, snapshotVersion: String(backend.store.version), readTime: timestampFromMs(backend.now()) },
  };
  if (context.newTransaction !== undefined) response.transaction = context.newTransaction;
  return response;
}
