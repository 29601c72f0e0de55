import { GaesError } from '@gaes/core';

/** The `@gaes/datastore` module. */
type DatastoreModule = typeof import('@gaes/datastore');

/**
 * The `datastore` option is set but `@gaes/datastore` is not installed. It is an optional peer dependency of
 * `@gaes/fastify`, so that apps keeping sessions in cookies and a cache do not install the Google Cloud client.
 * Thrown when the plugin registers (`app.ready()` rejects); `cause` is the resolver's error.
 */
export class DatastoreMissingError extends GaesError {
  constructor(options?: { cause?: unknown }) {
    super(
      'ERR_GAES_DATASTORE_MISSING',
      'the `datastore` option needs the @gaes/datastore package, which is not installed: ' +
        'run `npm install @gaes/datastore @google-cloud/datastore`, or remove the `datastore` option',
      options,
    );
  }
}

// ESM resolution says "Cannot find package '<name>' imported from …", CommonJS-style resolvers (bundlers)
// "Cannot find module '<name>'". Only the package itself counts: a module it imports that is missing, or an
// installed package with a missing file (`'/…/@gaes/datastore/dist/index.js'`), is a different problem.
const MISSING_PACKAGE = /^Cannot find (?:package|module) '@gaes\/datastore'/;

/** Whether `err` says that the `@gaes/datastore` package itself cannot be found. */
export function isDatastoreMissing(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && MISSING_PACKAGE.test(message);
}

function importDatastore(): Promise<DatastoreModule> {
  return import('@gaes/datastore');
}

/**
 * Loads `@gaes/datastore` (and with it the gRPC client); the plugin calls this only when `datastore` is set.
 *
 * @param importModule - how to import it (tests inject failures).
 * @throws {@link DatastoreMissingError} (`ERR_GAES_DATASTORE_MISSING`) when the package is not installed; any
 *   other failure to load it is rethrown unchanged.
 */
export async function loadDatastore(importModule: () => Promise<DatastoreModule> = importDatastore): Promise<DatastoreModule> {
  try {
    return await importModule();
  } catch (err) {
    if (isDatastoreMissing(err)) throw new DatastoreMissingError({ cause: err });
    throw err;
  }
}
