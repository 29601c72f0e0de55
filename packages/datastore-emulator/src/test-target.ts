import { DatastoreEmulator } from './emulator.ts';

// Clients built for tests must never wait for a GCE metadata server (set as soon as test helpers load).
export function disableMetadataServer(): void {
  process.env['METADATA_SERVER_DETECTION'] = 'none';
}

/** Why a test is skipped when it needs the in-memory emulator's RPC counts or fault injection. */
export const NEEDS_IN_MEMORY_EMULATOR =
  'needs the in-memory emulator (fault injection / RPC counts); DATASTORE_EMULATOR_HOST points at another emulator';

/** Where tests find Datastore: this in-memory emulator, or the one `DATASTORE_EMULATOR_HOST` names. */
export interface TestTarget {
  /** The in-memory emulator, or `undefined` when testing against an external one (e.g. gcloud's). */
  readonly emulator: DatastoreEmulator | undefined;
  readonly projectId: string;
  /** `host:port`, for `DATASTORE_EMULATOR_HOST`. */
  readonly host: string;
  /** Options for `new Datastore(clientOptions)` that reach it. */
  readonly clientOptions: { projectId: string; apiEndpoint?: string };
}

/**
 * Starts the in-memory emulator unless `DATASTORE_EMULATOR_HOST` is set, and stops it when the test ends.
 * Also makes sure no client waits for a GCE metadata server.
 */
export async function startTestTarget(t: { teardown(fn: () => unknown): void }): Promise<TestTarget> {
  disableMetadataServer();
  const projectId = process.env['DATASTORE_PROJECT_ID'] ?? 'gaes-test';
  const external = process.env['DATASTORE_EMULATOR_HOST'];
  if (external !== undefined && external !== '') {
    return { emulator: undefined, projectId, host: external, clientOptions: { projectId } };
  }
  const emulator = await DatastoreEmulator.start();
  t.teardown(() => emulator.stop());
  return { emulator, projectId, host: emulator.host, clientOptions: { projectId, apiEndpoint: emulator.host } };
}
