import { Buffer } from 'node:buffer';
import { DATASTORE_MAX_PROPERTY_BYTES, SessionEntityProperty } from '@gaes/core';
import type { Key } from '@google-cloud/datastore';
import type { SessionKindLocation } from './client.ts';

/**
 * The session entity (key name = session id):
 *
 * | property    | type      | indexed | why                                                                  |
 * |-------------|-----------|---------|----------------------------------------------------------------------|
 * | `payload`   | blob      | no      | the sealed session; blobs over 1,500 bytes cannot be indexed         |
 * | `expiresAt` | timestamp | yes     | lets you turn on a Datastore TTL policy on `expiresAt`               |
 * | `updatedAt` | timestamp | no      | when the session was last written (the sweeper's `olderThanMs`)      |
 *
 * `excludeFromIndexes` is sent with every save, so no save ever indexes the payload. The names live in
 * `@gaes/core` (`SessionEntityProperty`), where the largest session an entity holds is computed from them.
 */
export const SessionProperty = SessionEntityProperty;

/**
 * The longest single property value Datastore accepts, in bytes (`DATASTORE_MAX_PROPERTY_BYTES` in
 * `@gaes/core`): a sealed payload over it can never be stored.
 */
export const MAX_PAYLOAD_BYTES = DATASTORE_MAX_PROPERTY_BYTES;

/** The key of session `id`. */
export function sessionKey(loc: SessionKindLocation, id: string): Key {
  return loc.datastore.key(loc.namespace === undefined ? { path: [loc.kind, id] } : { namespace: loc.namespace, path: [loc.kind, id] });
}

/** The key of session `id` as a `google.datastore.v1.Key` message. */
export function sessionKeyProto(loc: SessionKindLocation, id: string): object {
  const path = [{ kind: loc.kind, name: id }];
  return loc.namespace === undefined ? { path } : { partitionId: { namespaceId: loc.namespace }, path };
}

function timestampProto(ms: number): { seconds: number; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

/**
 * The session entity as a `google.datastore.v1.Entity` message (for Commit RPCs made directly, see
 * `rpc.ts`): the properties and indexing of the table above.
 */
export function sessionEntityProto(loc: SessionKindLocation, id: string, payload: Uint8Array, expiresAtMs: number, updatedAtMs: number): object {
  return {
    key: sessionKeyProto(loc, id),
    properties: {
      [SessionProperty.payload]: {
        blobValue: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
        excludeFromIndexes: true,
      },
      [SessionProperty.expiresAt]: { timestampValue: timestampProto(expiresAtMs) },
      [SessionProperty.updatedAt]: { timestampValue: timestampProto(updatedAtMs), excludeFromIndexes: true },
    },
  };
}

/** The sealed payload of an entity message from a Lookup RPC, or `undefined` if it has none. */
export function payloadOfProto(entity: unknown): Uint8Array | undefined {
  const properties = (entity as { properties?: Record<string, { blobValue?: unknown } | undefined> } | null | undefined)?.properties;
  const value = properties?.[SessionProperty.payload]?.blobValue;
  return value instanceof Uint8Array ? value : undefined;
}

/** `updatedAt` of a queried entity in ms, or `undefined` if it has none. */
export function updatedAtOf(entity: unknown): number | undefined {
  const value = (entity as Record<string, unknown> | null | undefined)?.[SessionProperty.updatedAt];
  return value instanceof Date ? value.getTime() : undefined;
}
