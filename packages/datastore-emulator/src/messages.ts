/**
 * Loose shapes of the `google.datastore.v1` messages as `@grpc/proto-loader` decodes them (see
 * `LOAD_OPTIONS` in protos.ts): camelCase, int64 as decimal strings, enums as names, bytes as
 * Buffers, unset fields absent, repeated fields always arrays. Only the fields the emulator reads
 * or writes are listed. The same shapes are accepted back when responses are encoded.
 */

/** `google.protobuf.Timestamp`. */
export interface Timestamp {
  seconds?: string | number;
  nanos?: number;
}

/** `google.datastore.v1.PartitionId`. */
export interface PartitionId {
  projectId?: string;
  databaseId?: string;
  namespaceId?: string;
}

/** `google.datastore.v1.Key.PathElement`. */
export interface PathElement {
  kind?: string;
  id?: string;
  name?: string;
}

/** `google.datastore.v1.Key`. */
export interface Key {
  partitionId?: PartitionId;
  path?: PathElement[];
}

/** `google.datastore.v1.Value` (one member of the `value_type` oneof is set). */
export interface Value {
  nullValue?: string | number;
  booleanValue?: boolean;
  integerValue?: string;
  doubleValue?: number;
  timestampValue?: Timestamp;
  keyValue?: Key;
  stringValue?: string;
  blobValue?: Buffer;
  geoPointValue?: { latitude?: number; longitude?: number };
  entityValue?: Entity;
  arrayValue?: { values?: Value[] };
  meaning?: number;
  excludeFromIndexes?: boolean;
  /** Virtual field added by proto-loader's `oneofs: true`: which member is set. */
  valueType?: string;
}

/** `google.datastore.v1.Entity`. */
export interface Entity {
  key?: Key;
  properties?: Record<string, Value>;
}

/** `google.datastore.v1.EntityResult`. */
export interface EntityResult {
  entity: Entity;
  version?: string;
  createTime?: Timestamp;
  updateTime?: Timestamp;
  cursor?: Buffer;
}

/** `google.datastore.v1.TransactionOptions`. */
export interface TransactionOptions {
  readWrite?: { previousTransaction?: Buffer };
  readOnly?: { readTime?: Timestamp };
}

/** `google.datastore.v1.ReadOptions`. */
export interface ReadOptions {
  readConsistency?: string;
  transaction?: Buffer;
  newTransaction?: TransactionOptions;
  readTime?: Timestamp;
}

/** `google.datastore.v1.PropertyReference`. */
export interface PropertyReference {
  name?: string;
}

/** `google.datastore.v1.PropertyFilter`. */
export interface PropertyFilter {
  property?: PropertyReference;
  op?: string;
  value?: Value;
}

/** `google.datastore.v1.CompositeFilter`. */
export interface CompositeFilter {
  op?: string;
  filters?: Filter[];
}

/** `google.datastore.v1.Filter`. */
export interface Filter {
  compositeFilter?: CompositeFilter;
  propertyFilter?: PropertyFilter;
}

/** `google.datastore.v1.PropertyOrder`. */
export interface PropertyOrder {
  property?: PropertyReference;
  direction?: string;
}

/** `google.datastore.v1.Query`. */
export interface Query {
  projection?: { property?: PropertyReference }[];
  kind?: { name?: string }[];
  filter?: Filter;
  order?: PropertyOrder[];
  distinctOn?: PropertyReference[];
  startCursor?: Buffer;
  endCursor?: Buffer;
  offset?: number;
  limit?: { value?: number };
  findNearest?: object;
}

/** `google.datastore.v1.AggregationQuery.Aggregation`. */
export interface Aggregation {
  count?: { upTo?: { value?: string } };
  sum?: { property?: PropertyReference };
  avg?: { property?: PropertyReference };
  alias?: string;
}

/** `google.datastore.v1.Mutation`. */
export interface Mutation {
  insert?: Entity;
  update?: Entity;
  upsert?: Entity;
  delete?: Key;
  baseVersion?: string;
  updateTime?: Timestamp;
  propertyMask?: { paths?: string[] };
  propertyTransforms?: object[];
}

/** `google.datastore.v1.MutationResult`. */
export interface MutationResult {
  key?: Key;
  version: string;
  createTime?: Timestamp;
  updateTime?: Timestamp;
  conflictDetected: boolean;
}

/** Fields common to every request. */
export interface RequestBase {
  projectId?: string;
  databaseId?: string;
}

/** `google.datastore.v1.LookupRequest`. */
export interface LookupRequest extends RequestBase {
  readOptions?: ReadOptions;
  keys?: Key[];
  propertyMask?: { paths?: string[] };
}

/** `google.datastore.v1.RunQueryRequest`. */
export interface RunQueryRequest extends RequestBase {
  partitionId?: PartitionId;
  readOptions?: ReadOptions;
  query?: Query;
  gqlQuery?: object;
  propertyMask?: { paths?: string[] };
  explainOptions?: object;
}

/** `google.datastore.v1.RunAggregationQueryRequest`. */
export interface RunAggregationQueryRequest extends RequestBase {
  partitionId?: PartitionId;
  readOptions?: ReadOptions;
  aggregationQuery?: { nestedQuery?: Query; aggregations?: Aggregation[] };
  gqlQuery?: object;
  explainOptions?: object;
}

/** `google.datastore.v1.BeginTransactionRequest`. */
export interface BeginTransactionRequest extends RequestBase {
  transactionOptions?: TransactionOptions;
}

/** `google.datastore.v1.CommitRequest`. */
export interface CommitRequest extends RequestBase {
  mode?: string;
  transaction?: Buffer;
  singleUseTransaction?: TransactionOptions;
  mutations?: Mutation[];
}

/** `google.datastore.v1.RollbackRequest`. */
export interface RollbackRequest extends RequestBase {
  transaction?: Buffer;
}

/** `google.datastore.v1.AllocateIdsRequest` and `ReserveIdsRequest`. */
export interface KeysRequest extends RequestBase {
  keys?: Key[];
}
