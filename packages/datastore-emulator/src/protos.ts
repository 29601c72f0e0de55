import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';

/** The proto file of the service, relative to an include directory. */
const DATASTORE_PROTO = 'google/datastore/v1/datastore.proto';

/**
 * How decoded messages look: camelCase fields, int64 as decimal strings, enums as names, bytes as
 * Buffers, unset scalars absent, repeated fields always arrays, and a virtual field naming the set
 * member of each oneof (for example `valueType: 'stringValue'`).
 */
const LOAD_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: false,
  arrays: true,
  objects: true,
  oneofs: true,
} as const;

/**
 * Finds the include directories for the Datastore protos: `@google-cloud/datastore-api` ships
 * `google/datastore/v1/*.proto`, and `google-gax` (its dependency) ships the `google/api`,
 * `google/type` and `google/protobuf` files they import. Resolved from the installed packages so a
 * fresh install works wherever the package manager puts them.
 */
export function protoIncludeDirs(): string[] {
  const require = createRequire(import.meta.url);
  const apiPackageJson = require.resolve('@google-cloud/datastore-api/package.json');
  const apiProtos = join(dirname(apiPackageJson), 'build', 'protos');
  if (!existsSync(join(apiProtos, DATASTORE_PROTO))) {
    throw new Error(`${DATASTORE_PROTO} not found under ${apiProtos}`);
  }
  // google-gax exports no package.json, so walk up from its entry point to the folder holding protos.
  let dir = dirname(createRequire(apiPackageJson).resolve('google-gax'));
  while (!existsSync(join(dir, 'build', 'protos', 'google', 'api', 'annotations.proto'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('google-gax protos (google/api/annotations.proto) not found');
    dir = parent;
  }
  return [apiProtos, join(dir, 'build', 'protos')];
}

/** What the server needs from the loaded protos. */
export interface DatastoreProtos {
  /** The `google.datastore.v1.Datastore` service, ready for `Server.addService`. */
  readonly service: ServiceDefinition;
  /** Encodes a `google.datastore.v1.Entity` object; used to measure entity size. */
  readonly encodeEntity: (entity: object) => Buffer;
}

let cached: DatastoreProtos | undefined;

/** Loads (once per process) the Datastore service definition from the shipped .proto files. */
export function loadDatastoreProtos(): DatastoreProtos {
  if (cached !== undefined) return cached;
  const definition: PackageDefinition = loadSync(DATASTORE_PROTO, {
    ...LOAD_OPTIONS,
    includeDirs: protoIncludeDirs(),
  });
  const grpcObject = loadPackageDefinition(definition);
  const google = grpcObject['google'] as Record<string, Record<string, Record<string, unknown>>>;
  const ctor = google['datastore']?.['v1']?.['Datastore'] as { service?: ServiceDefinition } | undefined;
  if (ctor?.service === undefined) throw new Error('google.datastore.v1.Datastore service not found in protos');
  const service = ctor.service;
  // An Entity is field 1 of EntityResult, which is field 1 (repeated) of LookupResponse: encode one
  // such response and strip the two length-delimited headers to get the Entity's own encoding.
  const lookup = service['Lookup'];
  if (lookup === undefined) throw new Error('Lookup method missing from the Datastore service');
  const encodeEntity = (entity: object): Buffer => {
    const bytes = lookup.responseSerialize({ found: [{ entity }] });
    return stripHeader(stripHeader(bytes));
  };
  cached = { service, encodeEntity };
  return cached;
}

/** Skips a one-byte field tag and a varint length, returning the payload of the first field. */
function stripHeader(bytes: Buffer): Buffer {
  let offset = 1;
  let length = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[offset++] ?? 0;
    length += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) break;
  }
  return bytes.subarray(offset, offset + length);
}
