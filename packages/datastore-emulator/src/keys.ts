import { compareInt64, compareUtf8 } from './compare.ts';
import { invalidArgument } from './errors.ts';
import type { Key, PathElement, RequestBase } from './messages.ts';

/** Most path elements a key may have (the real service's limit). */
export const MAX_KEY_PATH_LENGTH = 100;
/** Longest key name, in UTF-8 bytes. */
export const MAX_KEY_NAME_BYTES = 1500;

/** Where an entity lives: one project, one database, one namespace. */
export interface Partition {
  readonly projectId: string;
  readonly databaseId: string;
  readonly namespaceId: string;
}

const RESERVED = /^__.*__$/;

/** Whether a path element names its entity: a non-zero id or a non-empty name. */
export function isElementComplete(element: PathElement): boolean {
  return (element.id !== undefined && element.id !== '0') || (element.name !== undefined && element.name !== '');
}

/** Whether every element of the key's path is complete. */
export function isKeyComplete(key: Key): boolean {
  const path = key.path ?? [];
  return path.length > 0 && path.every(isElementComplete);
}

/** The database a request addresses; the project id is required. */
export function requestDatabase(request: RequestBase): { projectId: string; databaseId: string } {
  if (request.projectId === undefined || request.projectId === '') throw invalidArgument('project_id is required');
  return { projectId: request.projectId, databaseId: request.databaseId ?? '' };
}

/** The partition of `key` within the request's database; rejects keys naming another project or database. */
export function keyPartition(key: Key, request: RequestBase): Partition {
  const { projectId, databaseId } = requestDatabase(request);
  const partitionId = key.partitionId ?? {};
  if (partitionId.projectId !== undefined && partitionId.projectId !== '' && partitionId.projectId !== projectId) {
    throw invalidArgument(`mismatched project: key has "${partitionId.projectId}", request has "${projectId}"`);
  }
  if (partitionId.databaseId !== undefined && partitionId.databaseId !== '' && partitionId.databaseId !== databaseId) {
    throw invalidArgument(`mismatched database: key has "${partitionId.databaseId}", request has "${databaseId}"`);
  }
  return { projectId, databaseId, namespaceId: partitionId.namespaceId ?? '' };
}

/**
 * Checks a key's shape as the real service does: a non-empty path of at most 100 elements, every
 * element with a kind, every element but the last complete, and the last complete unless
 * `allowIncomplete`. Reserved kinds and names (`__foo__`) are rejected when `forWrite`.
 * @throws {RpcError} INVALID_ARGUMENT
 */
export function validateKey(key: Key | undefined, opts: { allowIncomplete: boolean; forWrite: boolean }): Key {
  const path = key?.path ?? [];
  if (key === undefined || path.length === 0) throw invalidArgument('A key must have a non-empty path.');
  if (path.length > MAX_KEY_PATH_LENGTH) throw invalidArgument(`A key path cannot have more than ${MAX_KEY_PATH_LENGTH} elements.`);
  path.forEach((element, index) => {
    const kind = element.kind ?? '';
    if (kind === '') throw invalidArgument('A key path element must have a kind.');
    const last = index === path.length - 1;
    if (!isElementComplete(element) && (!last || !opts.allowIncomplete)) {
      throw invalidArgument(`Key path element must not be incomplete: [${kind}: ]`);
    }
    if (element.id !== undefined && BigInt(element.id) < 0n) throw invalidArgument('A key id must be positive.');
    if (element.name !== undefined && Buffer.byteLength(element.name) > MAX_KEY_NAME_BYTES) {
      throw invalidArgument(`The key name is longer than ${MAX_KEY_NAME_BYTES} bytes.`);
    }
    if (opts.forWrite && (RESERVED.test(kind) || (element.name !== undefined && RESERVED.test(element.name)))) {
      throw invalidArgument(`The key path element kind or name "${element.name ?? kind}" is reserved.`);
    }
  });
  return key;
}

/** A copy of the key with a filled-in partition and path elements holding only kind and id or name. */
export function normalizeKey(key: Key, partition: Partition): Key {
  const partitionId: { projectId: string; databaseId?: string; namespaceId?: string } = { projectId: partition.projectId };
  if (partition.databaseId !== '') partitionId.databaseId = partition.databaseId;
  if (partition.namespaceId !== '') partitionId.namespaceId = partition.namespaceId;
  return { partitionId, path: (key.path ?? []).map(normalizeElement) };
}

function normalizeElement(element: PathElement): PathElement {
  const kind = element.kind ?? '';
  if (element.id !== undefined && element.id !== '0') return { kind, id: element.id };
  if (element.name !== undefined && element.name !== '') return { kind, name: element.name };
  return { kind };
}

/** A string identifying a partition, for use as a map key. */
export function partitionId(partition: Partition): string {
  return JSON.stringify([partition.projectId, partition.databaseId, partition.namespaceId]);
}

/** A string identifying a key's path within its partition, for use as a map key. */
export function pathId(key: Key): string {
  return JSON.stringify((key.path ?? []).map((e) => (e.id !== undefined ? [e.kind, 0, e.id] : [e.kind, 1, e.name ?? ''])));
}

/** The kind of the key's last path element. */
export function keyKind(key: Key): string {
  return key.path?.at(-1)?.kind ?? '';
}

/**
 * Orders keys as Datastore does: by namespace, then element by element (kind, then ids before
 * names, ids numerically, names and kinds as UTF-8 bytes), an ancestor before its descendants.
 */
export function compareKeys(a: Key, b: Key): number {
  const ns = compareUtf8(a.partitionId?.namespaceId ?? '', b.partitionId?.namespaceId ?? '');
  return ns !== 0 ? ns : comparePaths(a, b);
}

/** Orders keys by path alone, for keys known to share a partition (those a query scans). */
export function comparePaths(a: Key, b: Key): number {
  const pa = a.path ?? [];
  const pb = b.path ?? [];
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const c = compareElements(pa[i] ?? {}, pb[i] ?? {});
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

function compareElements(a: PathElement, b: PathElement): number {
  const kind = compareUtf8(a.kind ?? '', b.kind ?? '');
  if (kind !== 0) return kind;
  const rank = elementRank(a) - elementRank(b);
  if (rank !== 0) return rank;
  if (a.id !== undefined && b.id !== undefined) return compareInt64(a.id, b.id);
  return compareUtf8(a.name ?? '', b.name ?? '');
}

/** Incomplete elements (in filter values) first, then ids, then names. */
function elementRank(element: PathElement): number {
  if (element.id !== undefined && element.id !== '0') return 1;
  if (element.name !== undefined && element.name !== '') return 2;
  return 0;
}

/** Whether `ancestor`'s path is `key`'s path or a prefix of it (partitions are not compared). */
export function hasAncestor(key: Key, ancestor: Key): boolean {
  const pk = key.path ?? [];
  const pa = ancestor.path ?? [];
  if (pa.length > pk.length) return false;
  return pa.every((element, i) => compareElements(element, pk[i] ?? {}) === 0);
}
