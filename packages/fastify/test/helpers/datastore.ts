import { randomBytes } from 'node:crypto';
import { Datastore } from '@gaes/datastore';
import { disableMetadataServer, startTestTarget, type DatastoreEmulator } from '@gaes/datastore-emulator';

disableMetadataServer();

export { NEEDS_IN_MEMORY_EMULATOR } from '@gaes/datastore-emulator';

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

/** Starts the in-memory emulator unless `DATASTORE_EMULATOR_HOST` is set; stops it when the file ends. */
export async function startDatastore(t: { teardown(fn: () => unknown): void }): Promise<TestDatastore> {
  const target = await startTestTarget(t);
  return { datastore: new Datastore(target.clientOptions), emulator: target.emulator, clientOptions: target.clientOptions };
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
