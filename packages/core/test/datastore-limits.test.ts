/**
 * The largest session Datastore holds is derived from the seal and record formats and Datastore's limits:
 * these tests measure real seals and records, so a format change that forgets the constants fails here.
 */
import { Buffer } from 'node:buffer';
import t from 'tap';
import {
  DATASTORE_MAX_ENTITY_BYTES,
  DATASTORE_MAX_PROPERTY_BYTES,
  MAX_DATASTORE_SESSION_BYTES,
  MAX_SEALED_SESSION_BYTES,
  MAX_SESSION_ENTITY_OVERHEAD_BYTES,
} from '../src/datastore-limits.ts';
import { MAX_DATASTORE_NAME_LENGTH, SessionEntityProperty } from '../src/datastore-names.ts';
import { KeyRing } from '../src/keyring.ts';
import { MAX_RECORD_HEADER_BYTES, sealRecord, type SessionRecord } from '../src/record.ts';
import { MAX_SEAL_OVERHEAD_BYTES, seal, SealPurpose, sealOverheadBytes, type SealAlgorithm } from '../src/seal.ts';
import { createSessionId } from '../src/session-id.ts';
import { lineageTag, MAX_META_BYTES, MAX_USER_ID_BYTES, metaBytes, writeMeta, type SessionMeta } from '../src/session-meta.ts';
import { testMeta } from './helpers/meta.ts';

const ring = new KeyRing('datastore-limits-test-secret-0123456789abcdef');
const algorithms: SealAlgorithm[] = ['xchacha20-poly1305', 'aes-256-gcm'];
const id = createSessionId(Date.now() + 60_000, true);

/** The longest meta there is: a user id of 255 UTF-8 bytes and a predecessor still in its grace period. */
function longestMeta(): SessionMeta {
  return testMeta(Date.now(), {
    rev: 0xffff_ffff,
    createdAtMs: Date.now(),
    user: { id: 'ü'.repeat(MAX_USER_ID_BYTES >> 1) + 'u', sinceMs: Date.now(), seenAtMs: Date.now() },
    predecessor: { tag: lineageTag(id), id: createSessionId(Date.now(), false), untilMs: Date.now() },
  });
}

/** The longest record header: the longest meta and a successor. */
function longestRecord(data: Uint8Array): SessionRecord {
  return { ...longestMeta(), successor: { id: createSessionId(Date.now() + 1000, false), untilMs: Date.now() }, data };
}

t.test('the seal overhead is measured, per algorithm and at most', async (t) => {
  for (const algorithm of algorithms) {
    const plaintext = Buffer.alloc(100, 1);
    const overhead = seal(ring, SealPurpose.record, plaintext, undefined, algorithm).byteLength - plaintext.byteLength;
    t.equal(sealOverheadBytes(algorithm), overhead, algorithm);
    t.ok(overhead <= MAX_SEAL_OVERHEAD_BYTES, `${algorithm} within the maximum`);
  }
  t.equal(MAX_SEAL_OVERHEAD_BYTES, Math.max(...algorithms.map(sealOverheadBytes)));
});

t.test('the longest meta takes MAX_META_BYTES', async (t) => {
  const meta = longestMeta();
  t.equal(Buffer.byteLength(meta.user?.id ?? ''), MAX_USER_ID_BYTES);
  t.equal(metaBytes(meta), MAX_META_BYTES);
  t.equal(writeMeta(Buffer.alloc(MAX_META_BYTES), 0, meta), MAX_META_BYTES, 'writeMeta writes exactly that');
  t.ok(metaBytes(testMeta(0)) < MAX_META_BYTES);
});

t.test('the longest record header is MAX_RECORD_HEADER_BYTES, sealed with either algorithm', async (t) => {
  const data = Buffer.alloc(1000, 7);
  for (const algorithm of algorithms) {
    const sealed = sealRecord(ring, id, longestRecord(data), algorithm);
    t.equal(sealed.byteLength, data.byteLength + MAX_RECORD_HEADER_BYTES + sealOverheadBytes(algorithm), algorithm);
  }
});

/** An entity's size as Datastore counts it: strings are UTF-8 bytes + 1, a key + 16, timestamps 8, the entity + 32. */
function sessionEntityBytes(kind: string, namespace: string, payloadBytes: number): number {
  const str = (s: string): number => Buffer.byteLength(s) + 1;
  const key = str(namespace) + str(kind) + str(id) + 16;
  const properties = str(SessionEntityProperty.payload) + payloadBytes + str(SessionEntityProperty.expiresAt) + 8 + str(SessionEntityProperty.updatedAt) + 8;
  return key + properties + 32;
}

t.test('a session of MAX_DATASTORE_SESSION_BYTES fits one entity, whatever its kind, namespace and meta; one byte more does not', async (t) => {
  const kind = '名'.repeat(MAX_DATASTORE_NAME_LENGTH); // 300 UTF-8 bytes: the longest kind there is
  const namespace = 'n'.repeat(MAX_DATASTORE_NAME_LENGTH);
  t.equal(sessionEntityBytes(kind, namespace, 0), MAX_SESSION_ENTITY_OVERHEAD_BYTES, 'the overhead follows the storage-size rules');
  const sealed = sealRecord(ring, id, longestRecord(Buffer.alloc(MAX_DATASTORE_SESSION_BYTES, 1)), 'xchacha20-poly1305');
  t.equal(sealed.byteLength, MAX_SEALED_SESSION_BYTES, 'exactly the largest sealed session');
  t.ok(sealed.byteLength <= DATASTORE_MAX_PROPERTY_BYTES, 'within the property limit');
  t.equal(sessionEntityBytes(kind, namespace, sealed.byteLength), DATASTORE_MAX_ENTITY_BYTES, 'exactly the entity limit');
  t.ok(sessionEntityBytes(kind, namespace, sealed.byteLength + 1) > DATASTORE_MAX_ENTITY_BYTES, 'one byte more is over it');
  t.ok(MAX_DATASTORE_SESSION_BYTES < DATASTORE_MAX_PROPERTY_BYTES - MAX_SEAL_OVERHEAD_BYTES - MAX_RECORD_HEADER_BYTES, 'the entity limit binds, not the property limit');
});
