/**
 * With Datastore, the largest session (MAX_DATASTORE_SESSION_BYTES, derived in @gaes/core) is one Datastore
 * really stores with the longest session meta: a 255-byte user id, a predecessor, and (on the replaced id's
 * record) a successor. One byte more is refused by the plugin before anything is written.
 */
import { Buffer } from 'node:buffer';
import {
  defaultSealAlgorithm,
  encodeSessionData,
  KeyRing,
  MAX_SEAL_OVERHEAD_BYTES,
  MAX_SEALED_SESSION_BYTES,
  MAX_USER_ID_BYTES,
  openRecord,
  sealOverheadBytes,
} from '@gaes/core';
import t from 'tap';
import { MAX_DATASTORE_SESSION_BYTES } from '../src/index.ts';
import { buildApp, CookieJar, SECRET_A } from './helpers/app.ts';
import { freshNamespace, startDatastore, storedEntity } from '@gaes/test-support/datastore';

const { datastore, emulator } = await startDatastore(t);
const USER = 'ü'.repeat(MAX_USER_ID_BYTES >> 1) + 'u';
/** The blob length that makes the session `{ blob }` encode to `bytes`. */
const blobFor = (bytes: number): number => bytes - encodeSessionData({ blob: '' }).byteLength;

t.test('a session of MAX_DATASTORE_SESSION_BYTES with the longest meta is stored; one byte more is refused before any write', async (t) => {
  t.equal(Buffer.byteLength(USER), MAX_USER_ID_BYTES);
  const namespace = freshNamespace();
  const app = await buildApp({ datastore, datastoreNamespace: namespace }, {}, (app) => {
    app.post('/login/:bytes', async (req) => {
      req.session.regenerateId();
      req.session.setUser(USER);
      req.session.set('blob', 'x'.repeat(Number((req.params as { bytes: string }).bytes)));
      return { id: req.session.id };
    });
  });
  t.teardown(() => app.close());
  const jar = new CookieJar();
  const h = () => ({ cookie: jar.header() });
  jar.apply(await app.inject({ method: 'POST', url: '/grow/20000' })); // server-side, so the new id names it as predecessor

  const login = await app.inject({ method: 'POST', url: `/login/${blobFor(MAX_DATASTORE_SESSION_BYTES)}`, headers: h() });
  t.equal(login.statusCode, 200, login.body.slice(0, 200));
  jar.apply(login);
  const id = login.json().id as string;
  const ring = new KeyRing(SECRET_A);
  const stored = await storedEntity(datastore, namespace, id);
  const opened = stored === undefined ? undefined : openRecord(ring, id, stored.payload);
  t.ok(opened?.ok, 'stored in Datastore');
  if (opened?.ok === true) {
    t.equal(opened.record.data.byteLength, MAX_DATASTORE_SESSION_BYTES, 'all of it');
    t.equal(opened.record.user?.id, USER, 'with a 255-byte user id');
    t.ok(opened.record.predecessor?.id !== undefined, 'and a predecessor in its grace period');
  }

  // Replacing the id keeps the old record, now with a successor too: the longest record there is.
  const regenerated = await app.inject({ method: 'POST', url: '/regenerate', headers: h() });
  t.equal(regenerated.statusCode, 200, regenerated.body.slice(0, 200));
  jar.apply(regenerated);
  const old = await storedEntity(datastore, namespace, id);
  const oldRecord = old === undefined ? undefined : openRecord(ring, id, old.payload);
  t.ok(oldRecord?.ok === true && oldRecord.record.successor !== undefined, 'the replaced id keeps its record, with a successor');
  if (oldRecord?.ok === true) {
    t.ok(oldRecord.record.user !== undefined && oldRecord.record.predecessor?.id !== undefined, 'and its user and predecessor');
    t.equal(oldRecord.record.data.byteLength, MAX_DATASTORE_SESSION_BYTES);
  }
  const unusedNonce = MAX_SEAL_OVERHEAD_BYTES - sealOverheadBytes(defaultSealAlgorithm);
  t.equal(old?.payload.byteLength, MAX_SEALED_SESSION_BYTES - unusedNonce, 'the largest sealed session there is');

  const current = regenerated.json().after as string;
  const before = (await storedEntity(datastore, namespace, current))?.payload;
  emulator?.resetCounts();
  const tooLarge = await app.inject({ method: 'POST', url: `/grow/${blobFor(MAX_DATASTORE_SESSION_BYTES + 1)}`, headers: h() });
  t.equal(tooLarge.statusCode, 500);
  t.equal(tooLarge.json().code, 'ERR_GAES_SESSION_TOO_LARGE');
  if (emulator !== undefined) t.equal(emulator.rpcCounts().Commit, 0, 'nothing written');
  t.same((await storedEntity(datastore, namespace, current))?.payload, before, 'the stored session is unchanged');
});
