import type { Backend } from '../backend.ts';
import { invalidArgument } from '../errors.ts';
import { requestDatabase } from '../keys.ts';
import type { BeginTransactionRequest, RollbackRequest } from '../messages.ts';

/** BeginTransaction: opens a read-write or read-only transaction and returns its id. */
export function beginTransaction(backend: Backend, request: BeginTransactionRequest): { transaction: Buffer } {
  const database = requestDatabase(request);
  return { transaction: backend.transactions.begin(database, request.transactionOptions, backend.store.version) };
}

/**
 * Rollback: ends a transaction without applying anything.
 * @throws {RpcError} INVALID_ARGUMENT for an unknown or finished transaction
 */
export function rollback(backend: Backend, request: RollbackRequest): Record<string, never> {
  const database = requestDatabase(request);
  if (request.transaction === undefined || request.transaction.length === 0) throw invalidArgument('A transaction id is required.');
  backend.transactions.get(request.transaction, database);
  backend.transactions.finish(request.transaction);
  return {};
}
