/**
 * DatastoreSessionStore keeps the store contract every SessionStore keeps, and the conditional-write contract
 * (@gaes/test-support's storeContract), against the in-memory emulator or the one DATASTORE_EMULATOR_HOST names.
 * Expired entities stay readable until swept (deleteExpiredSessions or a TTL policy): the plugin judges expiry.
 */
import { freshNamespace, startDatastore } from '@gaes/test-support/datastore';
import { storeContract } from '@gaes/test-support/store-contract';
import t from 'tap';
import { DatastoreSessionStore } from '../src/index.ts';

const { datastore, emulator } = await startDatastore(t);
t.comment(emulator === undefined ? `against ${process.env['DATASTORE_EMULATOR_HOST'] ?? ''}` : 'against the in-memory emulator');
const noSleep = { sleep: async () => {} };

storeContract(t, 'DatastoreSessionStore', () => new DatastoreSessionStore({ datastore, namespace: freshNamespace(), retry: noSleep }), {
  expired: 'kept',
  versioned: true,
});

storeContract(t, 'DatastoreSessionStore, another kind, default namespace', () => new DatastoreSessionStore({ datastore, kind: `K${freshNamespace()}`, retry: noSleep }), {
  expired: 'kept',
  versioned: true,
});
