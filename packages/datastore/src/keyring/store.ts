import { assertKeyName, assertKind, assertNamespace, DEFAULT_KEY_RING_KIND, DEFAULT_KEY_RING_NAME, GaesError } from '@gaes/core';
import type { Datastore, Key } from '@google-cloud/datastore';
import { GrpcCode, grpcCode } from '../classify-error.ts';
import type { KeyRingPolicy, StoredKey } from './lifecycle.ts';
import type { RingIdentity } from './wrap.ts';

/** Where the key ring entity lives. */
export interface KeyRingLocation {
  readonly datastore: Datastore;
  /** @default {@link DEFAULT_KEY_RING_KIND} */
  readonly kind?: string | undefined;
  /** @default {@link DEFAULT_KEY_RING_NAME} */
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
}

/** The key ring as stored: its keys and the timing rules every reader shares. */
export interface StoredRing {
  readonly keys: StoredKey[];
  readonly policy: KeyRingPolicy;
}

/** The stored key ring is not in the expected shape. */
export class KeyRingFormatError extends GaesError {
  constructor(message: string) {
    super('ERR_GAES_KEYRING_FORMAT', message);
  }
}

const MAX_TRANSACTION_ATTEMPTS = 5;

/**
 * The ring entity's kind, name and namespace with defaults resolved, as bound into every wrapped key.
 * @throws {ConfigError} for a kind, name or namespace that Datastore would refuse.
 */
export function ringIdentity(loc: KeyRingLocation): RingIdentity {
  const kind = loc.kind ?? DEFAULT_KEY_RING_KIND;
  const name = loc.name ?? DEFAULT_KEY_RING_NAME;
  assertKind(kind, 'the key ring `kind`');
  assertKeyName(name, 'the key ring `name`');
  if (loc.namespace !== undefined && loc.namespace !== '') assertNamespace(loc.namespace, 'the key ring `namespace`');
  return { kind, name, namespace: loc.namespace ?? '' };
}

export function ringKey(loc: KeyRingLocation): Key {
  const { kind, name, namespace } = ringIdentity(loc);
  return namespace === '' ? loc.datastore.key([kind, name]) : loc.datastore.key({ namespace, path: [kind, name] });
}

function parseRing(entity: Record<string, unknown> | undefined): StoredRing | undefined {
  if (entity === undefined || entity === null) return undefined;
  const { keys, propagationMs, lifetimeMs } = entity as { keys?: unknown; propagationMs?: unknown; lifetimeMs?: unknown };
  if (typeof keys !== 'string' || typeof propagationMs !== 'number' || typeof lifetimeMs !== 'number') {
    throw new KeyRingFormatError('the key ring entity lacks keys, propagationMs or lifetimeMs');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(keys);
  } catch {
    throw new KeyRingFormatError('the key ring entity has unreadable keys');
  }
  if (!Array.isArray(parsed)) throw new KeyRingFormatError('the key ring entity has unreadable keys');
  const list = parsed.map((k: unknown): StoredKey => {
    const o = k as Partial<StoredKey>;
    if (typeof o.id !== 'string' || typeof o.createdAtMs !== 'number' || typeof o.wrapped !== 'string') {
      throw new KeyRingFormatError('a key of the key ring is malformed');
    }
    return { id: o.id, createdAtMs: o.createdAtMs, wrapped: o.wrapped, ...(o.bootstrap === true ? { bootstrap: true } : {}) };
  });
  return { keys: list, policy: { propagationMs, lifetimeMs } };
}

function ringEntity(key: Key, ring: StoredRing, nowMs: number): { key: Key; data: Array<{ name: string; value: unknown; excludeFromIndexes: boolean }> } {
  return {
    key,
    data: [
      { name: 'keys', value: JSON.stringify(ring.keys), excludeFromIndexes: true },
      { name: 'propagationMs', value: ring.policy.propagationMs, excludeFromIndexes: true },
      { name: 'lifetimeMs', value: ring.policy.lifetimeMs, excludeFromIndexes: true },
      { name: 'updatedAt', value: new Date(nowMs), excludeFromIndexes: true },
    ],
  };
}

/** Reads the key ring (one Lookup); `undefined` when it does not exist yet. */
export async function readRing(loc: KeyRingLocation): Promise<StoredRing | undefined> {
  const [entity] = (await loc.datastore.get(ringKey(loc))) as [Record<string, unknown> | undefined];
  return parseRing(entity);
}

/**
 * Read-modify-write of the key ring in a transaction (retried on contention), so concurrent rotations
 * from several instances or a cron and a human never lose a key. `change` returns the new ring, or
 * `undefined` to leave it as it is.
 */
export async function updateRing<T>(
  loc: KeyRingLocation,
  nowMs: number,
  change: (current: StoredRing | undefined) => { ring: StoredRing | undefined; result: T },
): Promise<T> {
  const key = ringKey(loc);
  let lastError: unknown;
  for (let attempt = 0; attempt < MAX_TRANSACTION_ATTEMPTS; attempt++) {
    const tx = loc.datastore.transaction();
    try {
      await tx.run();
      const [entity] = (await tx.get(key)) as [Record<string, unknown> | undefined];
      const { ring, result } = change(parseRing(entity));
      if (ring === undefined) {
        await tx.rollback();
        return result;
      }
      tx.save(ringEntity(key, ring, nowMs));
      await tx.commit();
      return result;
    } catch (err) {
      lastError = err;
      await tx.rollback().catch(() => undefined);
      if (grpcCode(err) !== GrpcCode.ABORTED) throw err;
    }
  }
  throw lastError;
}
