import { assertKind, assertNamespace, ConfigError, DEFAULT_SESSION_KIND } from '@gaes/core';
import { Datastore, type DatastoreOptions } from '@google-cloud/datastore';

/**
 * A `Datastore` client, or the options to build one with `new Datastore(options)`.
 *
 * Any object with a `key` method is taken for a client (so a structurally typed client, such as the one
 * `@gaes/fastify` passes through, type-checks); it must then really be a `Datastore`, which is checked.
 */
export type DatastoreInput = Datastore | DatastoreOptions | { key(...args: never[]): unknown };

/** The kind session entities use unless told otherwise (defined in `@gaes/core`). */
export { DEFAULT_SESSION_KIND };

/** Where session entities live: a client, a kind and a namespace. */
export interface SessionKindLocation {
  readonly datastore: Datastore;
  readonly kind: string;
  /** `undefined` is the default namespace. */
  readonly namespace: string | undefined;
}

const CLIENT_METHODS = ['key', 'createQuery', 'get', 'save', 'delete', 'runQuery'] as const;

/**
 * A client is recognised by shape rather than `instanceof`, so a `Datastore` from another copy of
 * `@google-cloud/datastore` (a different version in the app) is used as given.
 * @throws {ConfigError} for an object with a `key` method that lacks the rest of the client.
 */
function asClient(input: object): Datastore | undefined {
  const d = input as Partial<Record<(typeof CLIENT_METHODS)[number], unknown>>;
  if (typeof d.key !== 'function') return undefined;
  const missing = CLIENT_METHODS.filter((m) => typeof d[m] !== 'function');
  if (missing.length > 0) {
    throw new ConfigError(`\`datastore\` is not a Datastore client (no ${missing.join(', ')}): pass \`new Datastore(...)\` or its options`);
  }
  return input as Datastore;
}

/**
 * Resolves the client, kind and namespace of session entities. An omitted `namespace` means the client's
 * own namespace (the default namespace unless the client was built with one); it is fixed here so keys
 * and queries always agree.
 * @throws {ConfigError} for a kind or namespace Datastore would refuse.
 */
export function resolveLocation(input: {
  readonly datastore: DatastoreInput;
  readonly kind?: string | undefined;
  readonly namespace?: string | undefined;
}): SessionKindLocation {
  if (typeof input.datastore !== 'object' || input.datastore === null) {
    throw new ConfigError('`datastore` must be a Datastore instance or options for `new Datastore()`');
  }
  const datastore = asClient(input.datastore) ?? new Datastore({ ...(input.datastore as DatastoreOptions) });
  const kind = input.kind ?? DEFAULT_SESSION_KIND;
  assertKind(kind, 'the Datastore `kind`');
  const namespace = input.namespace ?? (datastore.namespace === '' ? undefined : datastore.namespace);
  if (namespace !== undefined) assertNamespace(namespace, 'the Datastore `namespace`');
  return { datastore, kind, namespace };
}
