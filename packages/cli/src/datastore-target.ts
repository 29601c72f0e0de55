import { UsageError } from './errors.ts';
import type { CliIo } from './io.ts';

/** Which Datastore a command talks to. */
export interface DatastoreTarget {
  readonly projectId: string;
  /** Where the project id came from: a flag, a variable, or the credentials file. */
  readonly projectSource: string;
  /** `undefined` is the `(default)` database. */
  readonly databaseId: string | undefined;
  /** The emulator's `host:port` when `DATASTORE_EMULATOR_HOST` is set. */
  readonly emulatorHost: string | undefined;
}

const PROJECT_VARIABLES = ['GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT', 'DATASTORE_PROJECT_ID'] as const;
const ID = /^[A-Za-z0-9][A-Za-z0-9.:_-]{0,99}$/;

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** `project_id` of a service-account key named by `GOOGLE_APPLICATION_CREDENTIALS` (a file read, no RPC). */
function credentialsProject(io: Pick<CliIo, 'env' | 'readFile'>): string | undefined {
  const file = nonEmpty(io.env.GOOGLE_APPLICATION_CREDENTIALS);
  if (file === undefined) return undefined;
  try {
    const json = JSON.parse(io.readFile(file)) as { project_id?: unknown; quota_project_id?: unknown };
    const id = typeof json.project_id === 'string' ? json.project_id : json.quota_project_id;
    return typeof id === 'string' ? nonEmpty(id) : undefined;
  } catch {
    return undefined; // the client reports an unreadable credentials file itself, with its own message
  }
}

/**
 * Resolves the project, database and endpoint the way Google's tools do: `--project`, then
 * `GOOGLE_CLOUD_PROJECT`, `GCLOUD_PROJECT`, `DATASTORE_PROJECT_ID` (the emulator's; also
 * `DATASTORE_DATASET` when `DATASTORE_EMULATOR_HOST` is set), then the `project_id` of the
 * `GOOGLE_APPLICATION_CREDENTIALS` key file. No RPC, and never the metadata server: a command
 * without a project stops here.
 * @throws {UsageError} when no project is given, or an id is malformed.
 */
export function resolveDatastoreTarget(flags: { readonly project?: string | undefined; readonly database?: string | undefined }, io: Pick<CliIo, 'env' | 'readFile'>): DatastoreTarget {
  const emulatorHost = nonEmpty(io.env.DATASTORE_EMULATOR_HOST);
  const candidates: Array<[string, string | undefined]> = [
    ['--project', flags.project === undefined ? undefined : flags.project.trim()],
    ...PROJECT_VARIABLES.map((name): [string, string | undefined] => [name, nonEmpty(io.env[name])]),
    ['DATASTORE_DATASET', emulatorHost === undefined ? undefined : nonEmpty(io.env.DATASTORE_DATASET)],
  ];
  let found = candidates.find(([, value]) => value !== undefined);
  if (found === undefined) {
    const fromKey = credentialsProject(io);
    if (fromKey !== undefined) found = ['GOOGLE_APPLICATION_CREDENTIALS', fromKey];
  }
  if (found === undefined || found[1] === undefined || found[1] === '') {
    throw new UsageError('no Google Cloud project: pass --project <id> or set GOOGLE_CLOUD_PROJECT (or DATASTORE_PROJECT_ID with the emulator)');
  }
  const [projectSource, projectId] = found;
  if (!ID.test(projectId)) throw new UsageError(`the project id "${projectId}" (from ${projectSource}) is not a valid project id`);
  const databaseId = flags.database === undefined ? undefined : flags.database.trim();
  if (databaseId !== undefined && !ID.test(databaseId)) throw new UsageError(`--database "${databaseId}" is not a valid database id`);
  return { projectId, projectSource, databaseId: databaseId === '(default)' ? undefined : databaseId, emulatorHost };
}

/** Where the target is, for messages: the emulator's host or the project (and database). */
export function describeTarget(target: DatastoreTarget): string {
  const db = target.databaseId === undefined ? '' : `, database ${target.databaseId}`;
  return target.emulatorHost === undefined
    ? `project ${target.projectId}${db}`
    : `the emulator at ${target.emulatorHost} (project ${target.projectId}${db})`;
}
