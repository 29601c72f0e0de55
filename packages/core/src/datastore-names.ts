import { ConfigError } from './errors.ts';

/**
 * The names gaes gives things in Datastore, and the rules for the names it is given: one module, so the
 * plugin, `@gaes/datastore` and the CLI accept exactly the same kinds, key names and namespaces.
 *
 * Datastore refuses an empty kind or key name, one longer than 1,500 UTF-8 bytes, and one that matches
 * `__.*__` (reserved: `__kind__`, `__key__`, `__Stat_Total__`, …); a namespace must match
 * `[0-9A-Za-z._-]{1,100}` and is reserved when it matches `__.*__` too. gaes asks a little more of kinds and key
 * names: at most {@link MAX_DATASTORE_NAME_LENGTH} characters (UTF-16 code units, the string's `length`, so at
 * most {@link MAX_DATASTORE_NAME_BYTES} UTF-8 bytes, well within Datastore's limit), no whitespace (a name has
 * to survive a command line and a config file), and well-formed Unicode (a lone surrogate would be stored as
 * U+FFFD: another name).
 */

/** The kind of session entities unless told otherwise. */
export const DEFAULT_SESSION_KIND = 'GaesSession';
/** The kind of the key ring entity unless told otherwise. */
export const DEFAULT_KEY_RING_KIND = 'GaesKeyRing';
/** The key name of the key ring entity unless told otherwise. */
export const DEFAULT_KEY_RING_NAME = 'default';
/** The kind of user-bound session records (key name `h:<handle>`; in the sessions' namespace). */
export const USER_SESSION_KIND = 'GaesUserSession';
/** The kind of per-user revocations (key name `u:<user id>`; in the sessions' namespace). */
export const USER_KIND = 'GaesUser';

/** The properties of a session entity (see `@gaes/datastore`'s `entity.ts` for their types and indexing). */
export const SessionEntityProperty = {
  payload: 'payload',
  expiresAt: 'expiresAt',
  updatedAt: 'updatedAt',
} as const;

/** Longest kind, key name or namespace gaes accepts, in characters (UTF-16 code units). */
export const MAX_DATASTORE_NAME_LENGTH = 100;
/** The most UTF-8 bytes a kind or key name of {@link MAX_DATASTORE_NAME_LENGTH} characters takes (3 a code unit). */
export const MAX_DATASTORE_NAME_BYTES = 3 * MAX_DATASTORE_NAME_LENGTH;
/** The most UTF-8 bytes a namespace takes (it is ASCII). */
export const MAX_NAMESPACE_BYTES = MAX_DATASTORE_NAME_LENGTH;

/** What a valid kind or key name is, for messages. */
export const DATASTORE_NAME_RULE = `1–${MAX_DATASTORE_NAME_LENGTH} characters without whitespace, not of the form __name__ (reserved by Datastore)`;
/** What a valid namespace is, for messages. */
export const NAMESPACE_RULE = `1–${MAX_DATASTORE_NAME_LENGTH} letters, digits, ".", "_" or "-", not of the form __name__ (reserved by Datastore)`;

const NAME = new RegExp(`^\\S{1,${MAX_DATASTORE_NAME_LENGTH}}$`);
const NAMESPACE = new RegExp(`^[0-9A-Za-z._-]{1,${MAX_DATASTORE_NAME_LENGTH}}$`);
/** Datastore's reserved names (its regex, matched against the whole name). */
const RESERVED = /^__.*__$/;
const LONE_SURROGATE = /\p{Cs}/u;

function isName(value: unknown): value is string {
  return typeof value === 'string' && NAME.test(value) && !RESERVED.test(value) && !LONE_SURROGATE.test(value);
}

/** Whether `value` is a kind gaes accepts ({@link DATASTORE_NAME_RULE}). */
export function isValidKind(value: unknown): value is string {
  return isName(value);
}

/** Whether `value` is an entity's key name gaes accepts: the same rule as a kind. */
export function isValidKeyName(value: unknown): value is string {
  return isName(value);
}

/** Whether `value` is a namespace gaes accepts ({@link NAMESPACE_RULE}). */
export function isValidNamespace(value: unknown): value is string {
  return typeof value === 'string' && NAMESPACE.test(value) && !RESERVED.test(value);
}

/**
 * @param option how the caller names the setting, for the message (e.g. '`datastoreKind`').
 * @throws {ConfigError} unless `value` is a valid kind.
 */
export function assertKind(value: unknown, option: string): asserts value is string {
  if (!isValidKind(value)) throw new ConfigError(`${option} must be ${DATASTORE_NAME_RULE}, got ${JSON.stringify(value)}`);
}

/** @throws {ConfigError} unless `value` is a valid key name. */
export function assertKeyName(value: unknown, option: string): asserts value is string {
  if (!isValidKeyName(value)) throw new ConfigError(`${option} must be ${DATASTORE_NAME_RULE}, got ${JSON.stringify(value)}`);
}

/** @throws {ConfigError} unless `value` is a valid namespace. */
export function assertNamespace(value: unknown, option: string): asserts value is string {
  if (!isValidNamespace(value)) throw new ConfigError(`${option} must be ${NAMESPACE_RULE}, got ${JSON.stringify(value)}`);
}
