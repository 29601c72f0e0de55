import type { Backend } from '../backend.ts';
import { invalidArgument } from '../errors.ts';
import { isKeyComplete, keyPartition, normalizeKey, requestDatabase, validateKey } from '../keys.ts';
import type { Key, KeysRequest } from '../messages.ts';

/**
 * AllocateIds: completes incomplete keys with fresh numeric ids (increasing, never reused, never
 * equal to an id already written or reserved in the database).
 * @throws {RpcError} INVALID_ARGUMENT for complete or malformed keys
 */
export function allocateIds(backend: Backend, request: KeysRequest): { keys: Key[] } {
  const database = requestDatabase(request);
  const keys = (request.keys ?? []).map((raw) => {
    validateKey(raw, { allowIncomplete: true, forWrite: true });
    if (isKeyComplete(raw)) throw invalidArgument('AllocateIds takes incomplete keys only.');
    const key = normalizeKey(raw, keyPartition(raw, request));
    const path = [...(key.path ?? [])];
    const last = path.pop();
    return { ...key, path: [...path, { kind: last?.kind ?? '', id: backend.store.allocateId(database) }] };
  });
  return { keys };
}

/**
 * ReserveIds: makes sure the numeric ids of these complete keys are never allocated.
 * @throws {RpcError} INVALID_ARGUMENT for incomplete or malformed keys
 */
export function reserveIds(backend: Backend, request: KeysRequest): Record<string, never> {
  const database = requestDatabase(request);
  for (const raw of request.keys ?? []) {
    validateKey(raw, { allowIncomplete: false, forWrite: true });
    keyPartition(raw, request);
    const id = raw.path?.at(-1)?.id;
    if (id !== undefined) backend.store.reserveId(database, id);
  }
  return {};
}
