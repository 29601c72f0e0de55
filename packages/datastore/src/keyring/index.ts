export { classifyKeys, planRetire, planRotate, type KeyRingPolicy, type KeyRole, type KeyStatus, type StoredKey } from './lifecycle.ts';
export { KeyUnwrapError, type KeyUnwrapReason } from './wrap.ts';
export { KeyRingFormatError, type KeyRingLocation } from './store.ts';
export { DatastoreKeyRing, type DatastoreKeyRingOptions } from './source.ts';
export { listKeyRing, retireKeyRing, rotateKeyRing, type KeyRingCommandOptions, type KeyRingReport } from './commands.ts';
