import { invalidArgument } from './errors.ts';
import { requestDatabase } from './keys.ts';
import type { ReadOptions, RequestBase } from './messages.ts';
import type { EntityStore } from './store.ts';
import type { OpenTransaction, TransactionRegistry } from './transactions.ts';

/** What the RPC handlers share: the data, the open transactions, the entity encoder and the clock. */
export interface Backend {
  readonly store: EntityStore;
  readonly transactions: TransactionRegistry;
  /** Encodes an Entity message (to measure its size). */
  readonly encodeEntity: (entity: object) => Buffer;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

/** The transaction a read runs in, if any, and the id to report when the read began it. */
export interface ReadContext {
  readonly transaction?: OpenTransaction;
  readonly newTransaction?: Buffer;
}

/**
 * Resolves a read's `read_options`: an existing transaction, a new one begun for this read (its id
 * goes back in the response), or none (strong or eventual consistency, read time: all served from
 * the current data).
 * @throws {RpcError} INVALID_ARGUMENT for an unknown or finished transaction
 */
export function readContext(backend: Backend, request: RequestBase, readOptions: ReadOptions | undefined): ReadContext {
  const database = requestDatabase(request);
  if (readOptions?.transaction !== undefined) {
    if (readOptions.transaction.length === 0) throw invalidArgument('The transaction id is empty.');
    return { transaction: backend.transactions.get(readOptions.transaction, database) };
  }
  if (readOptions?.newTransaction !== undefined) {
    const id = backend.transactions.begin(database, readOptions.newTransaction, backend.store.version);
    return { transaction: backend.transactions.get(id, database), newTransaction: id };
  }
  return {};
}
