import {
  MAX_DATASTORE_NAME_BYTES,
  MAX_NAMESPACE_BYTES,
  SessionEntityProperty,
} from './datastore-names.ts';
import { MAX_RECORD_HEADER_BYTES } from './record.ts';
import { MAX_SEAL_OVERHEAD_BYTES } from './seal.ts';
import { SESSION_ID_LENGTH } from './session-id.ts';

/**
 * Datastore's limits, and the largest session they let gaes store. Plain numbers (core has no Datastore
 * dependency), so `@gaes/datastore`, the CLI and the plugin (which must not load `@gaes/datastore`) share them.
 */

/** Most mutations (upserts, deletes) one Commit may carry: also the most keys one delete removes. */
export const DATASTORE_MAX_MUTATIONS_PER_COMMIT = 500;

/**
 * Longest single property value, in bytes: the service says `The value of property "…" is longer than
 * 1048487 bytes.`
 */
export const DATASTORE_MAX_PROPERTY_BYTES = 1_048_487;

/** Largest entity (1 MiB − 4 bytes), its size counted by {@link datastoreStringBytes} and the rules below. */
export const DATASTORE_MAX_ENTITY_BYTES = 1_048_572;

// How Datastore counts an entity's size (https://cloud.google.com/datastore/docs/concepts/storage-size):
// the key (its namespace, kinds and names, + 16), every property's name and value, + 32.
const KEY_EXTRA_BYTES = 16;
const ENTITY_EXTRA_BYTES = 32;
const TIMESTAMP_BYTES = 8;

/** How Datastore counts a string's size (kinds, names, namespaces, property names): its UTF-8 bytes + 1. */
export function datastoreStringBytes(utf8Bytes: number): number {
  return utf8Bytes + 1;
}

/**
 * The most bytes a session entity takes besides its payload's bytes, as Datastore counts an entity: a key
 * with the longest namespace and kind gaes accepts and a session id as its name, the `payload` property's
 * name, and the two timestamp properties.
 */
export const MAX_SESSION_ENTITY_OVERHEAD_BYTES =
  ENTITY_EXTRA_BYTES +
  KEY_EXTRA_BYTES +
  datastoreStringBytes(MAX_NAMESPACE_BYTES) +
  datastoreStringBytes(MAX_DATASTORE_NAME_BYTES) +
  datastoreStringBytes(SESSION_ID_LENGTH) +
  datastoreStringBytes(SessionEntityProperty.payload.length) +
  datastoreStringBytes(SessionEntityProperty.expiresAt.length) +
  TIMESTAMP_BYTES +
  datastoreStringBytes(SessionEntityProperty.updatedAt.length) +
  TIMESTAMP_BYTES;

/**
 * The largest sealed session a session entity holds: the property limit, unless the whole entity's limit
 * binds first (it does: a payload at the property limit leaves too little room for the key and the rest).
 */
export const MAX_SEALED_SESSION_BYTES = Math.min(
  DATASTORE_MAX_PROPERTY_BYTES,
  DATASTORE_MAX_ENTITY_BYTES - MAX_SESSION_ENTITY_OVERHEAD_BYTES,
);

/**
 * The largest encoded session that Datastore can hold once sealed, whatever the kind, namespace, algorithm
 * and session meta (the longest user id, a predecessor and a successor): the plugin's `maxSessionBytes` with
 * Datastore. Derived from the limits above and the record and seal formats, never typed in.
 */
export const MAX_DATASTORE_SESSION_BYTES = MAX_SEALED_SESSION_BYTES - MAX_SEAL_OVERHEAD_BYTES - MAX_RECORD_HEADER_BYTES;
