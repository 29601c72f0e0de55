import { readContext, type Backend } from '../backend.ts';
import { invalidArgument } from '../errors.ts';
import { keyPartition, normalizeKey, validateKey } from '../keys.ts';
import { MAX_LOOKUP_KEYS } from '../limits.ts';
import type { EntityResult, Key, LookupRequest, Timestamp } from '../messages.ts';
import { foundResult, maskEntity, missingResult } from '../results.ts';
import { timestampFromMs } from '../time.ts';
import { recordRead } from '../transactions.ts';

/** `google.datastore.v1.LookupResponse`. */
export interface LookupResponse {
  found: EntityResult[];
  missing: EntityResult[];
  deferred: Key[];
  transaction?: Buffer;
  readTime: Timestamp;
}

/**
 * Lookup: finds entities by key. Every key is answered in this call (nothing is deferred); inside
 * a transaction the version of each key read is recorded for the commit's conflict check.
 * @throws {RpcError} INVALID_ARGUMENT for bad keys, too many keys or an unknown transaction
 */
export function lookup(backend: Backend, request: LookupRequest): LookupResponse {
  const keys = request.keys ?? [];
  if (keys.length === 0) throw invalidArgument('A lookup needs at least one key.');
  if (keys.length > MAX_LOOKUP_KEYS) throw invalidArgument(`cannot get more than ${MAX_LOOKUP_KEYS} keys in a single call`);
  const resolved = keys.map((key) => {
    validateKey(key, { allowIncomplete: false, forWrite: false });
    const partition = keyPartition(key, request);
    return { partition, key: normalizeKey(key, partition) };
  });
  const context = readContext(backend, request, request.readOptions);
  const response: LookupResponse = { found: [], missing: [], deferred: [], readTime: timestampFromMs(backend.now()) };
  for (const { partition, key } of resolved) {
    const stored = backend.store.get(partition, key);
    if (context.transaction !== undefined) {
      recordRead(context.transaction, partition, key, backend.store.lastChange(partition, key));
    }
    if (stored === undefined) response.missing.push(missingResult(key, backend.store.version));
    else response.found.push(foundResult(stored, maskEntity(stored.entity, request.propertyMask?.paths)));
  }
  if (context.newTransaction !== undefined) response.transaction = context.newTransaction;
  return response;
}
