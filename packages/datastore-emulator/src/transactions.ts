import { randomBytes } from 'node:crypto';
import { Code, RpcError, invalidArgument } from './errors.ts';
import { partitionId, pathId, type Partition } from './keys.ts';
import type { Key, TransactionOptions } from './messages.ts';
import type { EntityStore } from './store.ts';

/** Open transactions this many or more are refused, to catch tests that leak them. */
const MAX_OPEN_TRANSACTIONS = 10_000;

/** One open transaction: optimistic, it remembers what it read and checks it at commit. */
export interface OpenTransaction {
  readonly projectId: string;
  readonly databaseId: string;
  readonly readOnly: boolean;
  /** The store version when it began: keys it writes without reading must not have changed since. */
  readonly startVersion: bigint;
  /** For each key read (by partition id + path id): the key and its last-change version at the first read. */
  readonly reads: Map<string, ReadRecord>;
}

/** What a transaction saw of one key. */
export interface ReadRecord {
  readonly partition: Partition;
  readonly key: Key;
  readonly version: bigint;
}

/** The open transactions, by id. */
export class TransactionRegistry {
  readonly #open = new Map<string, OpenTransaction>();

  /** Begins a transaction and returns its id. */
  begin(database: { projectId: string; databaseId: string }, options: TransactionOptions | undefined, startVersion: bigint): Buffer {
    if (this.#open.size >= MAX_OPEN_TRANSACTIONS) throw new RpcError(Code.ABORTED, 'Too many open transactions.');
    const id = randomBytes(16);
    this.#open.set(id.toString('hex'), {
      ...database,
      readOnly: options?.readOnly !== undefined,
      startVersion,
      reads: new Map(),
    });
    return id;
  }

  /**
   * The open transaction with this id, in this database.
   * @throws {RpcError} INVALID_ARGUMENT when it is unknown, finished, or of another database
   */
  get(id: Buffer, database: { projectId: string; databaseId: string }): OpenTransaction {
    const txn = this.#open.get(id.toString('hex'));
    if (txn === undefined || txn.projectId !== database.projectId || txn.databaseId !== database.databaseId) {
      throw invalidArgument('The referenced transaction has expired or is no longer valid.');
    }
    return txn;
  }

  /** Ends a transaction (committed, aborted or rolled back); its id is invalid from now on. */
  finish(id: Buffer): void {
    this.#open.delete(id.toString('hex'));
  }

  /** How many transactions are open. */
  get size(): number {
    return this.#open.size;
  }
}

/** Records that `txn` read `key`, which had last changed at `version` (first read wins). */
export function recordRead(txn: OpenTransaction, partition: Partition, key: Key, version: bigint): void {
  const id = `${partitionId(partition)}${pathId(key)}`;
  if (!txn.reads.has(id)) txn.reads.set(id, { partition, key, version });
}

/**
 * Checks that nothing `txn` read changed since it read it, and nothing it writes changed since it
 * began (optimistic concurrency in place of the real service's locks).
 * @throws {RpcError} ABORTED on a conflict
 */
export function checkConflicts(
  txn: OpenTransaction,
  store: EntityStore,
  writes: readonly { partition: Partition; key: Key }[],
): void {
  for (const { partition, key, version } of txn.reads.values()) {
    if (store.lastChange(partition, key) !== version) throw aborted();
  }
  for (const { partition, key } of writes) {
    const read = txn.reads.has(`${partitionId(partition)}${pathId(key)}`);
    if (!read && store.lastChange(partition, key) > txn.startVersion) throw aborted();
  }
}

function aborted(): RpcError {
  return new RpcError(
    Code.ABORTED,
    'Aborted due to cross-transaction contention. This occurs when multiple transactions attempt to access the same data.',
  );
}
