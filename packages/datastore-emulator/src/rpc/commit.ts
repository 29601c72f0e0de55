import type { Backend } from '../backend.ts';
import { Code, RpcError, invalidArgument } from '../errors.ts';
import { keyPartition, normalizeKey, partitionId, pathId, requestDatabase, validateKey, type Partition } from '../keys.ts';
import { checkEntity, checkMutationCount } from '../limits.ts';
import type { CommitRequest, Entity, Key, Mutation, MutationResult, Timestamp } from '../messages.ts';
import type { StoredEntity, Write } from '../store.ts';
import { timestampFromMs } from '../time.ts';
import { checkConflicts, type OpenTransaction } from '../transactions.ts';
import { compareTimestamps } from '../values.ts';

/** `google.datastore.v1.CommitResponse`. */
export interface CommitResponse {
  mutationResults: MutationResult[];
  indexUpdates: number;
  commitTime: Timestamp;
}

type Operation = 'insert' | 'update' | 'upsert' | 'delete';

interface Planned {
  /** Position in the request's mutations. */
  readonly index: number;
  readonly op: Operation;
  readonly partition: Partition;
  /** Normalized; incomplete for an insert or upsert that needs an id. */
  key: Key;
  readonly entity: Entity | null;
  readonly mutation: Mutation;
}

/**
 * Commit: applies insert, update, upsert and delete mutations atomically, in a transaction or not.
 * Incomplete keys get fresh ids. Every mutation is checked before any is applied, so a failing
 * commit changes nothing; a transaction ends with its commit, whatever the outcome.
 * @throws {RpcError} INVALID_ARGUMENT (limits, bad keys, bad transaction), ALREADY_EXISTS (insert
 *   of an existing key), NOT_FOUND (update of a missing key), ABORTED (transaction conflict),
 *   UNIMPLEMENTED (property transforms)
 */
export function commit(backend: Backend, request: CommitRequest): CommitResponse {
  const database = requestDatabase(request);
  const mutations = request.mutations ?? [];
  checkMutationCount(mutations.length);
  const txnId = request.transaction !== undefined && request.transaction.length > 0 ? request.transaction : undefined;
  const singleUse = request.singleUseTransaction;
  if (request.mode === 'NON_TRANSACTIONAL' && (txnId !== undefined || singleUse !== undefined)) {
    throw invalidArgument('A non-transactional commit cannot name a transaction.');
  }
  if (request.mode === 'TRANSACTIONAL' && txnId === undefined && singleUse === undefined) {
    throw invalidArgument('A transactional commit requires a transaction.');
  }
  const txn = txnId === undefined ? undefined : backend.transactions.get(txnId, database);
  try {
    if ((txn?.readOnly === true || singleUse?.readOnly !== undefined) && mutations.length > 0) {
      throw invalidArgument('Cannot modify entities in a read-only transaction.');
    }
    return apply(backend, request, mutations, txn);
  } finally {
    if (txnId !== undefined) backend.transactions.finish(txnId);
  }
}

function apply(backend: Backend, request: CommitRequest, mutations: readonly Mutation[], txn: OpenTransaction | undefined): CommitResponse {
  const { store } = backend;
  const planned = mutations.map((m, i) => plan(backend, request, m, i));
  const seen = new Set<string>();
  for (const p of planned) {
    if (!isComplete(p.key)) continue;
    const id = partitionId(p.partition) + pathId(p.key);
    if (seen.has(id)) throw invalidArgument('A commit may not contain multiple mutations affecting the same entity.');
    seen.add(id);
  }
  const current = planned.map((p) => (isComplete(p.key) ? store.get(p.partition, p.key) : undefined));
  const conflicted = planned.map((p, i) => hasVersionConflict(p.mutation, current[i]));
  planned.forEach((p, i) => {
    if (conflicted[i] === true) return;
    if (p.op === 'insert' && current[i] !== undefined) throw new RpcError(Code.ALREADY_EXISTS, 'entity already exists');
    if (p.op === 'update' && current[i] === undefined) throw new RpcError(Code.NOT_FOUND, 'no entity to update');
  });
  const applied = planned.filter((_, i) => conflicted[i] !== true);
  if (txn !== undefined) checkConflicts(txn, store, applied.filter((p) => isComplete(p.key)));

  const allocated = new Set<Planned>();
  const database = requestDatabase(request);
  for (const p of applied) {
    if (isComplete(p.key)) continue;
    const path = [...(p.key.path ?? [])];
    const last = path.pop();
    p.key = { ...p.key, path: [...path, { kind: last?.kind ?? '', id: store.allocateId(database) }] };
    allocated.add(p);
  }
  const nowMs = backend.now();
  const writes: Write[] = applied.map((p) => ({
    partition: p.partition,
    key: p.key,
    entity: p.entity === null ? null : merge({ ...p.entity, key: p.key }, p.mutation, current[p.index]),
  }));
  const version = store.apply(writes, nowMs);
  const commitTime = timestampFromMs(nowMs);
  const mutationResults = planned.map((p, i): MutationResult => {
    if (conflicted[i] === true) return { version: String(current[i]?.version ?? 0n), conflictDetected: true };
    const result: MutationResult = { version: String(version), updateTime: commitTime, conflictDetected: false };
    if (allocated.has(p)) result.key = p.key;
    return result;
  });
  return { mutationResults, indexUpdates: 0, commitTime };
}

function plan(backend: Backend, request: CommitRequest, mutation: Mutation, index: number): Planned {
  if ((mutation.propertyTransforms ?? []).length > 0) {
    throw new RpcError(Code.UNIMPLEMENTED, 'Property transforms are not supported by this emulator.');
  }
  const op = operationOf(mutation);
  const source = op === 'delete' ? { key: mutation.delete } : (mutation[op] ?? {});
  const rawKey = validateKey(source.key, { allowIncomplete: op === 'insert' || op === 'upsert', forWrite: true });
  const partition = keyPartition(rawKey, request);
  const key = normalizeKey(rawKey, partition);
  if (op === 'delete') return { index, op, partition, key, entity: null, mutation };
  const entity: Entity = { key, properties: (mutation[op] ?? {}).properties ?? {} };
  checkEntity(entity, backend.encodeEntity);
  return { index, op, partition, key, entity, mutation };
}

function operationOf(mutation: Mutation): Operation {
  const ops = (['insert', 'update', 'upsert', 'delete'] as const).filter((op) => mutation[op] !== undefined);
  const [op] = ops;
  if (op === undefined || ops.length > 1) throw invalidArgument('A mutation must have exactly one operation.');
  return op;
}

function isComplete(key: Key): boolean {
  const last = key.path?.at(-1);
  return last?.id !== undefined || last?.name !== undefined;
}

/** Whether the mutation's base version or update time no longer matches the stored entity. */
function hasVersionConflict(mutation: Mutation, stored: StoredEntity | undefined): boolean {
  if (mutation.baseVersion !== undefined) return BigInt(mutation.baseVersion) !== (stored?.version ?? 0n);
  if (mutation.updateTime !== undefined) {
    return stored === undefined || compareTimestamps(mutation.updateTime, timestampFromMs(stored.updateTimeMs)) !== 0;
  }
  return false;
}

/** Applies a mutation's property mask: only the masked properties change; the rest stay as stored. */
function merge(entity: Entity, mutation: Mutation, stored: StoredEntity | undefined): Entity {
  const paths = mutation.propertyMask?.paths;
  if (paths === undefined || paths.length === 0) return entity;
  const properties = { ...(stored?.entity.properties ?? {}) };
  for (const path of paths) {
    const name = path.split('.')[0] ?? path;
    const value = entity.properties?.[name];
    if (value === undefined) delete properties[name];
    else properties[name] = value;
  }
  return { ...entity, properties };
}
