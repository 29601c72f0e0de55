import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, type ChildHandle } from './child.ts';
import { ClusterError } from './errors.ts';

/** A Datastore emulator for the cluster: a process this package runs, or the one `DATASTORE_EMULATOR_HOST` names. */
export interface EmulatorProcess {
  /** `host:port` (the `DATASTORE_EMULATOR_HOST` form). */
  readonly host: string;
  readonly projectId: string;
  /** Whether this package started it (and so can pause and stop it). */
  readonly managed: boolean;
  /** The emulator's pid; `undefined` when it is not managed. */
  readonly pid: number | undefined;
  /** The process (managed only). */
  readonly child: ChildHandle | undefined;
  /** SIGSTOP: every call hangs, like an unreachable service. @throws {ClusterError} `ERR_GAES_CLUSTER_UNMANAGED` when not managed. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Stops a managed emulator by pid (nothing otherwise). */
  stop(): Promise<void>;
}

/** Options of {@link startEmulatorProcess}. */
export interface EmulatorProcessOptions {
  /** Use `DATASTORE_EMULATOR_HOST` when it is set instead of starting one. @default true */
  readonly useEnvironment?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** @default 20000 */
  readonly readyTimeoutMs?: number;
}

function emulatorMain(): string {
  const pkg = fileURLToPath(import.meta.resolve('@gaes/datastore-emulator/package.json'));
  return join(dirname(pkg), 'src', 'main.ts');
}

/**
 * Runs `@gaes/datastore-emulator`'s `src/main.ts` as its own process on a free loopback port and waits for
 * its `DATASTORE_EMULATOR_HOST=` line, or reuses the emulator `DATASTORE_EMULATOR_HOST` names (then it cannot
 * be paused). The project id is `DATASTORE_PROJECT_ID`, else `gaes-test`.
 * @throws {ClusterError} `ERR_GAES_CLUSTER_START` (with the emulator's output).
 */
export async function startEmulatorProcess(options: EmulatorProcessOptions = {}): Promise<EmulatorProcess> {
  const env = options.env ?? process.env;
  const projectId = env['DATASTORE_PROJECT_ID'] ?? 'gaes-test';
  const external = env['DATASTORE_EMULATOR_HOST'];
  if (options.useEnvironment !== false && external !== undefined && external !== '') {
    const unmanaged = (): never => {
      throw new ClusterError('ERR_GAES_CLUSTER_UNMANAGED', 'the emulator named by DATASTORE_EMULATOR_HOST was not started here');
    };
    return { host: external, projectId, managed: false, pid: undefined, child: undefined, pause: unmanaged, resume: unmanaged, stop: async () => undefined };
  }
  const { DATASTORE_EMULATOR_HOST: _ignored, ...childEnv } = env;
  const { child, match } = await startChild({
    name: 'datastore emulator',
    command: process.execPath,
    args: ['--conditions=@gaes/source', emulatorMain(), '0'],
    env: { ...childEnv, DATASTORE_EMULATOR_BIND: '127.0.0.1' },
    ready: /^DATASTORE_EMULATOR_HOST=(\S+)$/,
    ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
  });
  return {
    host: match[1] as string,
    projectId,
    managed: true,
    pid: child.pid,
    child,
    pause: () => child.pause(),
    resume: () => child.resume(),
    stop: () => child.stop(),
  };
}
