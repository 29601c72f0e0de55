import {
  ConfigError,
  DATASTORE_MAX_MUTATIONS_PER_COMMIT,
  parseDuration,
  resolveMasterSecret,
  type Duration,
  type Secret,
} from '@gaes/core';
import type { Datastore } from '@google-cloud/datastore';
import type { FastifyRequest } from 'fastify';
import { tokenDigest } from './authorize.ts';

/** What the `/cleanup` route deletes. */
export interface CronCleanupOptions {
  /** Kind of the session entities. @default {@link @gaes/core!DEFAULT_SESSION_KIND} */
  readonly kind?: string;
  /** Namespace of the session entities. @default the client's namespace */
  readonly namespace?: string;
  /** Also delete sessions last written longer ago than this. @default none */
  readonly olderThan?: Duration;
  /** Keys per query and per delete, 1–{@link DATASTORE_MAX_MUTATIONS_PER_COMMIT}. @default {@link DATASTORE_MAX_MUTATIONS_PER_COMMIT} */
  readonly batchSize?: number;
}

/** Where the `/rotate-keys` route finds the key ring (as for `DatastoreKeyRing.open`). */
export interface CronRotateKeysOptions {
  /** @default {@link @gaes/core!DEFAULT_KEY_RING_KIND} */
  readonly kind?: string;
  /** @default {@link @gaes/core!DEFAULT_KEY_RING_NAME} */
  readonly name?: string;
  /** @default the default namespace */
  readonly namespace?: string;
  /** @default process.env.GAES_MASTER_SECRET */
  readonly masterSecret?: Secret;
  /** For a ring created by the first run: how long new keys stay staged. @default '5m' */
  readonly propagation?: Duration;
  /** For a ring created by the first run: the session lifetime. @default '7d' */
  readonly lifetime?: Duration;
}

/** Options of the cron-routes plugin. */
export interface GaesCronOptions {
  /** The Datastore client (normally the one the sessions use). */
  readonly datastore: Datastore;
  /** Path prefix of the routes. @default '/_gaes' */
  readonly prefix?: string;
  /**
   * Accept requests carrying `X-Appengine-Cron: true`. Safe only on App Engine, which strips that
   * header from outside traffic — never on Cloud Run, where anyone can send it.
   * @default true when running on App Engine (`GAE_APPLICATION` or `GAE_SERVICE` is set), else false
   */
  readonly appEngineCron?: boolean;
  /**
   * Token(s) accepted as `Authorization: Bearer <token>` (Cloud Scheduler, Cloud Run), compared in
   * constant time; at least 32 characters. Several tokens allow rotating it. @default none
   */
  readonly bearerToken?: string | readonly string[];
  /**
   * A further check that may accept a request (e.g. verify a Cloud Scheduler OIDC token with
   * google-auth-library's `OAuth2Client.verifyIdToken`, checking audience and email). It is asked only
   * when neither the App Engine header nor a bearer token matched. @default none
   */
  readonly authorize?: (request: FastifyRequest) => boolean | Promise<boolean>;
  /** Each run stops starting new batches after this long. @default '9m' (App Engine's cron deadline is 10 minutes) */
  readonly timeBudget?: Duration;
  /** The `/cleanup` route's settings, or `false` not to register it. @default {} */
  readonly cleanup?: CronCleanupOptions | false;
  /** The `/rotate-keys` route's settings, or `false` not to register it. @default {} (needs a master secret) */
  readonly rotateKeys?: CronRotateKeysOptions | false;
  /** The clock, in ms since the epoch (for tests). @default Date.now */
  readonly now?: () => number;
}

/** {@link GaesCronOptions} validated, with defaults filled in. */
export interface ResolvedCronOptions {
  readonly datastore: Datastore;
  readonly prefix: string;
  readonly appEngineCron: boolean;
  /** SHA-256 digests of the accepted tokens (compared in constant time). */
  readonly tokenDigests: readonly Buffer[];
  readonly authorize: ((request: FastifyRequest) => boolean | Promise<boolean>) | undefined;
  readonly timeBudgetMs: number;
  readonly cleanup: { readonly kind: string | undefined; readonly namespace: string | undefined; readonly olderThanMs: number | undefined; readonly batchSize: number } | undefined;
  readonly rotateKeys:
    | {
        readonly kind: string | undefined;
        readonly name: string | undefined;
        readonly namespace: string | undefined;
        readonly masterSecret: Secret;
        readonly propagationMs: number | undefined;
        readonly lifetimeMs: number | undefined;
      }
    | undefined;
  readonly now: () => number;
}

const MIN_TOKEN_CHARS = 32;

function resolveTokens(input: string | readonly string[] | undefined): Buffer[] {
  const list: readonly unknown[] = input === undefined ? [] : typeof input === 'string' ? [input] : input;
  return list.map((token, i) => {
    if (typeof token !== 'string' || token.length < MIN_TOKEN_CHARS || !/^[\x21-\x7e]+$/.test(token)) {
      throw new ConfigError(`\`bearerToken\`${list.length > 1 ? ` #${i}` : ''} must be at least ${MIN_TOKEN_CHARS} printable characters without spaces (e.g. \`openssl rand -base64 32\`)`);
    }
    return tokenDigest(token);
  });
}

function resolveRotateKeys(input: CronRotateKeysOptions | false | undefined, env: Readonly<Record<string, string | undefined>>): ResolvedCronOptions['rotateKeys'] {
  if (input === false) return undefined;
  const o = input ?? {};
  const masterSecret = resolveMasterSecret(o.masterSecret, {
    env,
    alternative: 'pass `rotateKeys.masterSecret` (or `rotateKeys: false` to leave the /rotate-keys route out)',
  });
  return {
    kind: o.kind,
    name: o.name,
    namespace: o.namespace,
    masterSecret,
    propagationMs: o.propagation === undefined ? undefined : parseDuration(o.propagation, '`rotateKeys.propagation`'),
    lifetimeMs: o.lifetime === undefined ? undefined : parseDuration(o.lifetime, '`rotateKeys.lifetime`'),
  };
}

function resolveCleanup(input: CronCleanupOptions | false | undefined): ResolvedCronOptions['cleanup'] {
  if (input === false) return undefined;
  const o = input ?? {};
  const max = DATASTORE_MAX_MUTATIONS_PER_COMMIT;
  const batchSize = o.batchSize ?? max;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > max) throw new ConfigError(`\`cleanup.batchSize\` must be a whole number from 1 to ${max}`);
  const olderThanMs = o.olderThan === undefined ? undefined : parseDuration(o.olderThan, '`cleanup.olderThan`');
  if (olderThanMs === 0) throw new ConfigError('`cleanup.olderThan` must be longer than 0');
  return { kind: o.kind, namespace: o.namespace, olderThanMs, batchSize };
}

/**
 * Validates the plugin's options and fills defaults; never mutates `input`.
 * @param env where `GAES_MASTER_SECRET` and the App Engine variables are read
 * @throws {ConfigError} saying which option to change.
 */
export function resolveCronOptions(input: GaesCronOptions, env: Readonly<Record<string, string | undefined>> = process.env): ResolvedCronOptions {
  const datastore = (input as Partial<GaesCronOptions> | undefined)?.datastore;
  if (typeof datastore?.createQuery !== 'function' || typeof datastore.key !== 'function') {
    throw new ConfigError('`datastore` must be a Datastore client (`new Datastore()` from @google-cloud/datastore)');
  }
  const prefix = (input.prefix ?? '/_gaes').replace(/\/+$/, '');
  if (prefix !== '' && !/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/.test(prefix)) throw new ConfigError('`prefix` must be a path starting with "/"');
  const timeBudgetMs = parseDuration(input.timeBudget ?? '9m', '`timeBudget`');
  if (timeBudgetMs <= 0) throw new ConfigError('`timeBudget` must be longer than 0');
  const cleanup = resolveCleanup(input.cleanup);
  const rotateKeys = resolveRotateKeys(input.rotateKeys, env);
  if (cleanup === undefined && rotateKeys === undefined) throw new ConfigError('`cleanup: false` and `rotateKeys: false` leave no route to register');
  if (input.authorize !== undefined && typeof input.authorize !== 'function') throw new ConfigError('`authorize` must be a function');
  const onAppEngine = (env.GAE_APPLICATION ?? env.GAE_SERVICE ?? '') !== '';
  return {
    datastore,
    prefix,
    appEngineCron: input.appEngineCron ?? onAppEngine,
    tokenDigests: resolveTokens(input.bearerToken),
    authorize: input.authorize,
    timeBudgetMs,
    cleanup,
    rotateKeys,
    now: input.now ?? Date.now,
  };
}
