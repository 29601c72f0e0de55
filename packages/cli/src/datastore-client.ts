import { Datastore } from '@google-cloud/datastore';
import type { DatastoreTarget } from './datastore-target.ts';

/**
 * A client for the target. The endpoint is passed explicitly (not left to the client's own reading of
 * `process.env`), so what a command uses is what its `CliIo` says; credentials come from Application
 * Default Credentials, and an emulator gets none (a non-local emulator host is recognised by the client
 * from `process.env.DATASTORE_EMULATOR_HOST`, which the bins pass through).
 */
export function createDatastore(target: DatastoreTarget): Datastore {
  return new Datastore({
    projectId: target.projectId,
    ...(target.databaseId === undefined ? {} : { databaseId: target.databaseId }),
    // An emulator needs no credentials; naming the universe also spares gax's universe check, which would
    // otherwise look for credentials (and probe the metadata server) before the first call.
    ...(target.emulatorHost === undefined ? {} : { apiEndpoint: target.emulatorHost, universeDomain: 'googleapis.com' }),
  });
}

/** Closes the client's gRPC channels, so the process can end. Never throws. */
export async function closeDatastore(datastore: Datastore): Promise<void> {
  const stubs: Array<{ close?: () => unknown }> = [...datastore.clients_.values()];
  await Promise.all(stubs.map(async (stub) => Promise.resolve(stub.close?.()).catch(() => undefined)));
}
