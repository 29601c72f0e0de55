import { randomBytes } from 'node:crypto';
import { Datastore } from '@gaes/datastore';
import { DatastoreEmulator } from '@gaes/datastore-emulator';

// Nothing may wait for a GCE metadata server: the client gets a project id and, on 127.0.0.1, insecure credentials.
process.env['METADATA_SERVER_DETECTION'] = 'none';

/** Why a test is skipped when it needs the in-memory emulator's RPC counts or fault injection. */
export const NEEDS_IN_MEMORY_EMULATOR =
  'needs the in-memory emulator (fault injection / RPC counts); DATASTORE_EMULATOR_HOST points at another emulator';

/** The kind the plugin uses by default. */
export const KIND = 'GaesSession';

/** A Datastore to test against: the in-memory emulator, or the one `DATASTORE_EMULATOR_HOST` names. */
export interface TestDatastore {
  readonly datastore: Datastore;
  /** The in-memory emulator, or `undefined` when testing against an external one (e.g. gcloud's). */
  readonly emulator: DatastoreEmulator | undefined;
  /** Options that build another client for the same emulator (`new Datastore(clientOptions)`). */
  readonly clientOptions: { projectId: string; apiEndpoint?: string };
}

interface TapLike {
  teardown(fn: () => unknown): void;
}

/** Starts the in-memory emulator unless `DATASTORE_EMULATOR_HOST` is set; stops it when the file ends. */
export async function startDatastore(t: TapLike): Promise<TestDatastore> {
  const projectId = process.env['DATASTORE_PROJECT_ID'] ?? 'gaes-test';
  const external = process.env['DATASTORE_EMULATOR_HOST'];
  if (external !== undefined && external !== '') {
    return { datastore: new Datastore({ projectId }), emulator: undefined, clientOptions: { projectId } };
  }
  const emulator = await DatastoreEmulator.start();
  t.teardown(() => emulator.stop());
  const clientOptions = { projectId, apiEndpoint: emulator.host };
  return { datastore: new Datastore(clientOptions), emulator, clientOptions };
}

/** A namespace no other test uses, so tests stay apart (also on a shared external emulator). */
export function freshNamespace(): string {
  return `t${randomBytes(6).toString('hex')}`;
}

/** The ids (key names) of the session entities in `namespace`, sorted (one keys-only query). */
export async function storedIds(datastore: Datastore, namespace: string, kind = KIND): Promise<string[]> {
  const [entities] = await datastore.runQuery(datastore.createQuery(namespace, kind).select('__key__').order('__key__'));
  return entities.map((e: Record<symbol, { name?: string }>) => String(e[datastore.KEY]?.name));
}

/** The stored entity of session `id`, or `undefined`. */
export async function storedEntity(
  datastore: Datastore,
  namespace: string,
  id: string,
  kind = KIND,
): Promise<{ payload: Buffer; expiresAt: Date; updatedAt: Date } | undefined> {
  const [entity] = await datastore.get(datastore.key({ namespace, path: [kind, id] }));
  return entity;
}

/** The Lookup and Commit counts since the last reset, and whether any other RPC ran. */
export function lookupsAndCommits(emulator: DatastoreEmulator): { Lookup: number; Commit: number; other: number } {
  const { Lookup, Commit, ...rest } = emulator.rpcCounts();
  return { Lookup, Commit, other: Object.values(rest).reduce((a, b) => a + b, 0) };
}
