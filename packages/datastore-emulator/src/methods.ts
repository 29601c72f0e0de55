/** The RPCs of `google.datastore.v1.Datastore`, as named in the proto. */
export const DATASTORE_METHODS = [
  'Lookup',
  'RunQuery',
  'RunAggregationQuery',
  'BeginTransaction',
  'Commit',
  'Rollback',
  'AllocateIds',
  'ReserveIds',
] as const;

/** One RPC name of the Datastore service, for example `'Commit'`. */
export type DatastoreMethod = (typeof DATASTORE_METHODS)[number];

/** Whether `name` is one of {@link DATASTORE_METHODS}. */
export function isDatastoreMethod(name: string): name is DatastoreMethod {
  return (DATASTORE_METHODS as readonly string[]).includes(name);
}
