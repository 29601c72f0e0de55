/**
 * Datastore for tests: the in-memory emulator (or the one `DATASTORE_EMULATOR_HOST` names), a namespace per
 * test, and ways to look at what was stored without going through the code under test.
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { createSessionId, DEFAULT_SESSION_KIND } from '@gaes/core';
import { disableMetadataServer, startTestTarget, type DatastoreEmulator } from '@gaes/datastore-emulator';
import { Datastore } from '@google-cloud/datastore';

// Clients built by tests must never wait for a GCE metadata server, even before startDatastore runs.
disableMetadataServer();

export { NEEDS_IN_MEMORY_EMULATOR } from '@gaes/datastore-emulator';

/** The kind the plugin and the stores use by default. */
export const KIND = DEFAULT_SESSION_KIND;

/** A Datastore to test against: the in-memory emulator, or the one `DATASTORE_EMULATOR_HOST` names. */
export interface TestDatastore {
  readonly datastore: Datastore;
  /** The in-memory emulator, or `undefined` when testing against an external one (e.g. gcloud's). */
  readonly emulator: DatastoreEmulator | undefined;
  readonly projectId: string;
  /** `host:port` of the emulator, for `DATASTORE_EMULATOR_HOST`. */
  readonly host: string;
  /** Options that build another client for the same emulator (`new Datastore(clientOptions)`). */
  readonly clientOptions: { projectId: string; apiEndpoint?: string };
}

/** Starts the in-memory emulator unless `DATASTORE_EMULATOR_HOST` is set; stops it when the test (file) ends. */
export async function startDatastore(t: { teardown(fn: () => unknown): void }): Promise<TestDatastore> {
  const target = await startTestTarget(t);
  return {
    datastore: new Datastore(target.clientOptions),
    emulator: target.emulator,
    projectId: target.projectId,
    host: target.host,
    clientOptions: target.clientOptions,
  };
}

/** A namespace no other test uses, so tests stay apart (also on a shared external emulator). */
export function freshNamespace(): string {
  return `t${randomBytes(6).toString('hex')}`;
}

/**
 * The key names of every entity of `kind` in `namespace`, in key order (one keys-only query). The key symbol is
 * the client's own, so this works with a client from another copy of `@google-cloud/datastore` too.
 */
export async function keyNames(datastore: Datastore, kind: string, namespace: string): Promise<string[]> {
  const [entities] = await datastore.runQuery(datastore.createQuery(namespace, kind).select('__key__').order('__key__'));
  return entities.map((e: Record<symbol, { name?: string }>) => String(e[datastore.KEY]?.name));
}

/** The ids (key names) of the session entities in `namespace`, sorted (one keys-only query). */
export function storedIds(datastore: Datastore, namespace: string, kind = KIND): Promise<string[]> {
  return keyNames(datastore, kind, namespace);
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

/** A session to seed: its absolute expiry and when it was last written. */
export interface SessionSpec {
  readonly expiresAtMs: number;
  readonly updatedAtMs: number;
}

/** Writes session entities as the plugin stores them, 500 per Commit; returns their ids in spec order. */
export async function seedSessions(datastore: Datastore, namespace: string, specs: readonly SessionSpec[], kind = KIND): Promise<string[]> {
  const ids = specs.map((s) => createSessionId(s.expiresAtMs, false));
  for (let i = 0; i < specs.length; i += 500) {
    await datastore.save(
      specs.slice(i, i + 500).map((s, j) => ({
        key: datastore.key({ namespace, path: [kind, ids[i + j] as string] }),
        data: [
          { name: 'payload', value: Buffer.alloc(48, 7), excludeFromIndexes: true },
          { name: 'expiresAt', value: new Date(s.expiresAtMs) },
          { name: 'updatedAt', value: new Date(s.updatedAtMs), excludeFromIndexes: true },
        ],
      })),
    );
  }
  return ids;
}

/** The environment a command needs to reach the test emulator (and nothing from the caller's). */
export function emulatorEnv(db: Pick<TestDatastore, 'host' | 'projectId'>, extra: Record<string, string> = {}): Record<string, string> {
  return { DATASTORE_EMULATOR_HOST: db.host, DATASTORE_PROJECT_ID: db.projectId, ...extra };
}

/** The error a promise rejects with (or `undefined` when it resolves). */
export function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (err: unknown) => err,
  );
}
