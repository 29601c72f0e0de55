import { GrpcCode } from '@gaes/datastore';
import type { Datastore } from '@google-cloud/datastore';
import { DatastoreUnreachableError } from './errors.ts';

/** Options of {@link probeDatastore}. */
export interface ProbeOptions {
  /** A kind to query (keys only, one result). */
  readonly kind: string;
  readonly namespace?: string | undefined;
  /** How long to wait for the answer, credentials lookup included. */
  readonly timeoutMs: number;
  /** Where the client points, for the message. */
  readonly where: string;
}

/** What to change for each gRPC refusal. */
const ADVICE: ReadonlyMap<number, string> = new Map([
  [GrpcCode.INVALID_ARGUMENT, 'check --database, --namespace and --kind'],
  [GrpcCode.NOT_FOUND, 'check --project and --database (does the database exist, in Firestore in Datastore mode?)'],
  [GrpcCode.PERMISSION_DENIED, 'grant the account roles/datastore.user (or roles/datastore.owner) on the project'],
  [GrpcCode.UNAUTHENTICATED, 'run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS'],
]);

/** The useful part of a client error: gRPC's connection errors carry the socket error inside noise. */
function detailOf(err: unknown): string {
  const e = err as { details?: unknown; message?: unknown } | null | undefined;
  const text = typeof e?.details === 'string' && e.details !== '' ? e.details : String(e?.message ?? err);
  const socket = /(connect \w+ \S+?|getaddrinfo \w+ \S+?)\.?(\s|$)/.exec(text);
  if (socket?.[1] !== undefined) return socket[1];
  return (text.split('\n')[0] ?? '').replace(/\s*Resolution note:.*$/, '').trim();
}

/**
 * One keys-only query of one entity, bounded by `timeoutMs` as a whole — the credentials lookup
 * (which may consult the metadata server) included — so a command facing an unreachable or
 * misconfigured Datastore fails fast, before it changes anything.
 * @throws {DatastoreUnreachableError} with what to change.
 */
export async function probeDatastore(datastore: Datastore, options: ProbeOptions): Promise<void> {
  const base = options.namespace === undefined ? datastore.createQuery(options.kind) : datastore.createQuery(options.namespace, options.kind);
  const query = base.select('__key__').limit(1);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
  });
  try {
    const outcome = await Promise.race([datastore.runQuery(query, { gaxOptions: { timeout: options.timeoutMs, retry: null } }), timedOut]);
    if (outcome === 'timeout') {
      throw new DatastoreUnreachableError(
        `Datastore (${options.where}) did not answer within ${options.timeoutMs} ms: check the network, DATASTORE_EMULATOR_HOST and credentials, or raise --connect-timeout`,
      );
    }
  } catch (err) {
    if (err instanceof DatastoreUnreachableError) throw err;
    const rawCode = (err as { code?: unknown } | null | undefined)?.code;
    const code = typeof rawCode === 'number' ? rawCode : undefined;
    const detail = detailOf(err);
    const advice =
      (code === undefined ? undefined : ADVICE.get(code)) ??
      (/credential/i.test(detail)
        ? 'run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS'
        : 'check the network, DATASTORE_EMULATOR_HOST, --project and credentials');
    throw new DatastoreUnreachableError(`cannot use Datastore (${options.where}): ${detail}; ${advice}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
