import type { Datastore } from '@google-cloud/datastore';

/** The client's request entry point (`DatastoreRequest.request_`), which adds the project and database ids. */
type RequestFn = (
  config: { client: 'DatastoreClient'; method: string; reqOpts: object; gaxOpts: object },
  callback: (err: Error | null, response?: unknown) => void,
) => void;

/**
 * Calls one `google.datastore.v1` RPC through the client, for the fields its high-level methods do not
 * expose: entity versions from Lookup and Commit, and `base_version` on mutations. The client still adds
 * the project id, the database id, credentials and the emulator endpoint, exactly as for its own calls.
 */
export function rpc<T>(datastore: Datastore, method: 'lookup' | 'commit', reqOpts: object, gaxOpts: object): Promise<T> {
  const request = (datastore as unknown as { request_: RequestFn }).request_;
  const commitMode = method === 'commit' ? { mode: 'NON_TRANSACTIONAL' } : {};
  return new Promise<T>((resolve, reject) => {
    request.call(datastore, { client: 'DatastoreClient', method, reqOpts: { ...commitMode, ...reqOpts }, gaxOpts }, (err, response) => {
      if (err !== null && err !== undefined) reject(err);
      else resolve((Array.isArray(response) ? response[0] : response) as T);
    });
  });
}
