import { keyKind, partitionId, pathId, type Partition } from './keys.ts';
import type { Entity, Key } from './messages.ts';

/** An entity as stored: the Entity message as received (key normalized) plus bookkeeping. */
export interface StoredEntity {
  readonly entity: Entity;
  /** The commit version that last wrote it. */
  readonly version: bigint;
  readonly createTimeMs: number;
  readonly updateTimeMs: number;
}

/** One change a commit makes: the entity to store under its (complete, normalized) key, or null to delete. */
export interface Write {
  readonly partition: Partition;
  readonly key: Key;
  readonly entity: Entity | null;
}

/** Narrows {@link EntityStore.count}. */
export interface CountFilter {
  readonly kind?: string;
  readonly namespace?: string;
}

interface PartitionEntities {
  readonly partition: Partition;
  readonly entities: Map<string, StoredEntity>;
}

/**
 * The in-memory data: entities keyed by project, database, namespace and key path, a commit
 * version counter shared by all of them, deletion markers (so a transaction can tell that a key it
 * saw missing or present has since changed), and id counters per database.
 */
export class EntityStore {
  readonly #partitions = new Map<string, PartitionEntities>();
  readonly #deletedAt = new Map<string, bigint>();
  readonly #nextIds = new Map<string, bigint>();
  #version = 1n;

  /** The version of the latest commit (a fresh store starts at 1). */
  get version(): bigint {
    return this.#version;
  }

  /** The entity stored under `key`, if any. */
  get(partition: Partition, key: Key): StoredEntity | undefined {
    return this.#partitions.get(partitionId(partition))?.entities.get(pathId(key));
  }

  /** The version of the last write or delete of `key`, or 0 if it was never touched. */
  lastChange(partition: Partition, key: Key): bigint {
    return this.get(partition, key)?.version ?? this.#deletedAt.get(fullId(partition, key)) ?? 0n;
  }

  /** Every entity in a partition, in no particular order. */
  entitiesIn(partition: Partition): Iterable<StoredEntity> {
    return this.#partitions.get(partitionId(partition))?.entities.values() ?? [];
  }

  /**
   * Applies a commit's writes all at once under one new version, which it returns. The caller has
   * already checked every write, so this cannot fail half way.
   */
  apply(writes: readonly Write[], nowMs: number): bigint {
    const version = ++this.#version;
    for (const { partition, key, entity } of writes) {
      const pid = partitionId(partition);
      const id = pathId(key);
      let bucket = this.#partitions.get(pid);
      if (entity === null) {
        bucket?.entities.delete(id);
        this.#deletedAt.set(fullId(partition, key), version);
        continue;
      }
      if (bucket === undefined) {
        bucket = { partition, entities: new Map() };
        this.#partitions.set(pid, bucket);
      }
      const previous = bucket.entities.get(id);
      bucket.entities.set(id, { entity, version, createTimeMs: previous?.createTimeMs ?? nowMs, updateTimeMs: nowMs });
      this.#deletedAt.delete(fullId(partition, key));
      const last = key.path?.at(-1);
      if (last?.id !== undefined) this.reserveId(partition, last.id);
    }
    return version;
  }

  /** A fresh numeric id for the database, as a decimal string. Ids increase from 1. */
  allocateId(database: Omit<Partition, 'namespaceId'>): string {
    const db = databaseId(database);
    const next = this.#nextIds.get(db) ?? 1n;
    this.#nextIds.set(db, next + 1n);
    return String(next);
  }

  /** Makes sure {@link allocateId} never hands out `id` (or anything below it) in the database. */
  reserveId(database: Omit<Partition, 'namespaceId'>, id: string): void {
    const db = databaseId(database);
    const wanted = BigInt(id) + 1n;
    if (wanted > (this.#nextIds.get(db) ?? 1n)) this.#nextIds.set(db, wanted);
  }

  /** How many entities are stored, optionally only of one kind and/or in one namespace. */
  count(filter: CountFilter = {}): number {
    let total = 0;
    for (const { partition, entities } of this.#partitions.values()) {
      if (filter.namespace !== undefined && partition.namespaceId !== filter.namespace) continue;
      if (filter.kind === undefined) {
        total += entities.size;
        continue;
      }
      for (const stored of entities.values()) if (keyKind(stored.entity.key ?? {}) === filter.kind) total++;
    }
    return total;
  }

  /** Drops all entities, deletion markers and id counters. The version counter keeps increasing. */
  clear(): void {
    this.#partitions.clear();
    this.#deletedAt.clear();
    this.#nextIds.clear();
  }
}

function fullId(partition: Partition, key: Key): string {
  return `${partitionId(partition)}${pathId(key)}`;
}

function databaseId(database: Omit<Partition, 'namespaceId'>): string {
  return JSON.stringify([database.projectId, database.databaseId]);
}
