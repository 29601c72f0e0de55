export { DatastoreEmulator, type EmulatorOptions } from './emulator.ts';
export type { FaultSpec } from './faults.ts';
export { DATASTORE_METHODS, type DatastoreMethod } from './methods.ts';
export type { CountFilter } from './store.ts';
export { MAX_ENTITY_BYTES, MAX_INDEXED_VALUE_BYTES, MAX_MUTATIONS } from './limits.ts';
export { MAX_BATCH_SIZE } from './query.ts';
export { disableMetadataServer, NEEDS_IN_MEMORY_EMULATOR, startTestTarget, type TestTarget } from './test-target.ts';
