import { listKeyRing, retireKeyRing, rotateKeyRing, type KeyRingPolicy, type KeyRingReport, type KeyStatus } from '@gaes/datastore';
import { DEFAULT_KEY_RING_KIND, DEFAULT_KEY_RING_NAME, type Secret } from '@gaes/core';
import type { Datastore } from '@google-cloud/datastore';

/** The key-ring commands. */
export type KeysAction = 'rotate' | 'list' | 'retire';

/** Options of {@link keys}. */
export interface KeysOptions {
  readonly datastore: Datastore;
  /** Kind of the key-ring entity. @default {@link DEFAULT_KEY_RING_KIND} */
  readonly ringKind?: string | undefined;
  /** Name of the key-ring entity. @default {@link DEFAULT_KEY_RING_NAME} */
  readonly ringName?: string | undefined;
  /** @default the default namespace */
  readonly namespace?: string | undefined;
  /** The master secret that wraps the data keys. */
  readonly masterSecret: Secret;
  /** For a new ring: how long new keys stay staged (ms). @default 5 minutes */
  readonly propagationMs?: number | undefined;
  /** For a new ring: the session lifetime (ms). @default 7 days */
  readonly lifetimeMs?: number | undefined;
  /** `retire` only: also remove this previous key now (its sessions end). */
  readonly forceKeyId?: string | undefined;
  /** Report what would change, write nothing. */
  readonly dryRun?: boolean | undefined;
  /** The clock, in ms since the epoch. */
  readonly now: number;
}

/** What a key-ring command did: the object `gaes-keys --json` prints. Never carries key material. */
export interface KeysResult {
  readonly command: 'keys';
  readonly action: KeysAction;
  readonly status: 'done';
  /** What happened: `created`, `staged`, `already-staged`, `retired`, `nothing-to-retire` or `listed`. */
  readonly outcome: KeyRingReport['action'];
  readonly dryRun: boolean;
  readonly ring: { readonly kind: string; readonly name: string; readonly namespace: string | null };
  /** The ring's timing rules (fixed when the ring was created). */
  readonly policy: KeyRingPolicy;
  /** Every key's id, role and dates (ms since the epoch). */
  readonly keys: KeyStatus[];
  /** The staged key (new, or already waiting). */
  readonly stagedId?: string;
  /** Keys `retire` removed (or would remove, in a dry run). */
  readonly removed?: string[];
}

/**
 * Runs one key-ring command against Datastore: `rotate` stages a new key (creating the ring when
 * missing; idempotent while a key is staged), `retire` removes keys no live session can use (and,
 * with `forceKeyId`, one previous key early), `list` reports. The work of `gaes-keys` and of the
 * `/_gaes/rotate-keys` cron route.
 *
 * @throws {ConfigError} no ring yet (list/retire), a forced key that cannot be retired, a short master secret
 * @throws {KeyUnwrapError} when the master secret does not open the ring's keys
 * @example
 * const r = await keys('rotate', { datastore, masterSecret: process.env.GAES_MASTER_SECRET!, now: Date.now() });
 */
export async function keys(action: KeysAction, options: KeysOptions): Promise<KeysResult> {
  const common = {
    datastore: options.datastore,
    kind: options.ringKind,
    name: options.ringName,
    namespace: options.namespace,
    masterSecret: options.masterSecret,
    now: options.now,
    propagation: options.propagationMs,
    lifetime: options.lifetimeMs,
    dryRun: options.dryRun,
  };
  const report =
    action === 'rotate'
      ? await rotateKeyRing(common)
      : action === 'retire'
        ? await retireKeyRing({ ...common, forceKeyId: options.forceKeyId })
        : await listKeyRing(common);
  return {
    command: 'keys',
    action,
    status: 'done',
    outcome: report.action,
    dryRun: report.dryRun,
    ring: { kind: options.ringKind ?? DEFAULT_KEY_RING_KIND, name: options.ringName ?? DEFAULT_KEY_RING_NAME, namespace: options.namespace ?? null },
    policy: report.policy,
    keys: report.keys,
    ...(report.stagedId === undefined ? {} : { stagedId: report.stagedId }),
    ...(report.removed === undefined ? {} : { removed: report.removed }),
  };
}
