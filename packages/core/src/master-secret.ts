import { Buffer } from 'node:buffer';
import { ConfigError } from './errors.ts';
import { MIN_SECRET_BYTES, type Secret } from './keyring.ts';

/**
 * The master secret of a key ring kept in Datastore (it wraps the cookie keys): where it is looked for and
 * how long it must be, for every entry point (`DatastoreKeyRing`, the key-ring commands, `gaes-keys` and
 * the cron route). It lives in core, not in `@gaes/datastore`, so `gaes-keys` can check it before loading
 * the Datastore client.
 */

/** The environment variable read when no master secret is passed. */
export const MASTER_SECRET_VARIABLE = 'GAES_MASTER_SECRET';

/** Where {@link resolveMasterSecret} looks, and how to say so. */
export interface MasterSecretSource {
  /** The environment the variable is read from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The variable read when no secret is passed. @default {@link MASTER_SECRET_VARIABLE} */
  readonly variable?: string | undefined;
  /** The other way to give it, for the message (e.g. 'pass `masterSecret`'). */
  readonly alternative?: string | undefined;
}

const GENERATE = `at least ${MIN_SECRET_BYTES} random bytes, e.g. \`openssl rand -base64 48\`, kept in Secret Manager`;

/**
 * The master secret: `value` when given, else the variable. An empty string counts as not given.
 * @throws {ConfigError} when there is none, or it is shorter than {@link MIN_SECRET_BYTES} bytes: the message
 * says where it was looked for and how long it must be.
 */
export function resolveMasterSecret(value: Secret | undefined, source: MasterSecretSource = {}): Secret {
  const variable = source.variable ?? MASTER_SECRET_VARIABLE;
  const secret = value ?? (source.env ?? process.env)[variable];
  if (secret === undefined || secret === '') {
    const or = source.alternative === undefined ? '' : ` or ${source.alternative}`;
    throw new ConfigError(`no master secret: set ${variable}${or} (${GENERATE})`);
  }
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) throw new ConfigError('the master secret must be a string or bytes');
  const bytes = typeof secret === 'string' ? Buffer.byteLength(secret, 'utf8') : secret.byteLength;
  if (bytes < MIN_SECRET_BYTES) {
    const where = value === undefined ? `in ${variable}` : 'passed in the options';
    throw new ConfigError(`the master secret ${where} is shorter than ${MIN_SECRET_BYTES} bytes (${bytes}): use ${GENERATE}`);
  }
  return secret;
}
