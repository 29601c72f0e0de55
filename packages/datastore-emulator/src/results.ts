import type { Entity, EntityResult, Key } from './messages.ts';
import type { StoredEntity } from './store.ts';
import { timestampFromMs } from './time.ts';

/** An EntityResult for a stored entity, with its version and times, optionally showing `entity` in its place. */
export function foundResult(stored: StoredEntity, entity: Entity = stored.entity): EntityResult {
  return {
    entity,
    version: String(stored.version),
    createTime: timestampFromMs(stored.createTimeMs),
    updateTime: timestampFromMs(stored.updateTimeMs),
  };
}

/** An EntityResult for a key with no entity: the key alone, and the read's version. */
export function missingResult(key: Key, version: bigint): EntityResult {
  return { entity: { key }, version: String(version) };
}

/**
 * Applies a PropertyMask to an entity: keeps only the named properties (a dotted path keeps its
 * top-level property whole). No mask, or an empty one, keeps everything.
 */
export function maskEntity(entity: Entity, paths: readonly string[] | undefined): Entity {
  if (paths === undefined || paths.length === 0) return entity;
  const properties = entity.properties ?? {};
  const kept = Object.fromEntries(
    Object.entries(properties).filter(([name]) => paths.some((p) => p === name || p.startsWith(`${name}.`))),
  );
  return entity.key === undefined ? { properties: kept } : { key: entity.key, properties: kept };
}
