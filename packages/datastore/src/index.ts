export { DatastoreSessionStore, type DatastoreSessionStoreOptions } from './session-store.ts';
export { deleteExpiredSessions, type DeleteExpiredSessionsOptions, type SweepProgress } from './sweeper.ts';
export { DatastoreEntityTooLargeError } from './errors.ts';
export { DEFAULT_SESSION_KIND, type DatastoreInput } from './client.ts';
export { GrpcCode } from './classify-error.ts';
export type { RetryEvent, RetryOptions } from './retry.ts';
/** The `@google-cloud/datastore` client class this package is built against (for `new Datastore(...)` without a second copy). */
export { Datastore, type DatastoreOptions } from '@google-cloud/datastore';
export {
  DatastoreKeyRing,
  KeyRingFormatError,
  KeyUnwrapError,
  listKeyRing,
  retireKeyRing,
  rotateKeyRing,
  type DatastoreKeyRingOptions,
  type KeyRingCommandOptions,
  type KeyRingLocation,
  type KeyRingPolicy,
  type KeyRingReport,
  type KeyRole,
  type KeyStatus,
  type StoredKey,
} from './keyring/index.ts';
export { DatastoreUserDirectory, type DatastoreUserDirectoryOptions } from './users/user-directory.ts';
export {
  deleteExpiredUserEntities,
  type DeleteExpiredUserEntitiesOptions,
  type SweepCounts,
  type UserSweepProgress,
} from './users/sweep.ts';
export {
  endAllUserSessions,
  endUserSession,
  listUserSessions,
  type EndedUserSessions,
  type UserSessionsOptions,
} from './users/user-sessions.ts';
