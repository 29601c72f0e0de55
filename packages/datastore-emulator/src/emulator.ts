import type { Server } from '@grpc/grpc-js';
import { FaultPlan, type FaultSpec } from './faults.ts';
import { DATASTORE_METHODS, type DatastoreMethod } from './methods.ts';
import { loadDatastoreProtos } from './protos.ts';
import { listen, serviceImplementation, shutdown, type CallGate } from './server.ts';
import { EntityStore, type CountFilter } from './store.ts';
import { TransactionRegistry } from './transactions.ts';

/** Where the emulator listens. */
export interface EmulatorOptions {
  /** The address to bind. @default '127.0.0.1' */
  readonly host?: string;
  /** The port to bind; 0 picks a free one. @default 0 */
  readonly port?: number;
}

/**
 * An in-memory Cloud Datastore: a gRPC server for `google.datastore.v1.Datastore` that the real
 * `@google-cloud/datastore` client talks to, for tests and the demo. It counts every call, and
 * can fail or delay calls on demand.
 *
 * @example
 * ```ts
 * const emulator = await DatastoreEmulator.start();
 * const datastore = new Datastore({ projectId: 'gaes-test', apiEndpoint: emulator.host });
 * await datastore.save({ key: datastore.key(['Session', 'a']), data: { n: 1 } });
 * emulator.entityCount({ kind: 'Session' }); // 1
 * await emulator.stop();
 * ```
 */
export class DatastoreEmulator {
  /** `host:port`, ready for `DATASTORE_EMULATOR_HOST` or the client's `apiEndpoint` option. */
  readonly host: string;
  /** The port the server listens on. */
  readonly port: number;
  readonly #server: Server;
  readonly #store: EntityStore;
  readonly #gate: CallGate;
  #stopped: Promise<void> | undefined;

  private constructor(server: Server, host: string, port: number, store: EntityStore, gate: CallGate) {
    this.#server = server;
    this.host = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    this.port = port;
    this.#store = store;
    this.#gate = gate;
  }

  /**
   * Loads the Datastore protos and starts the server.
   * @throws {Error} when the protos cannot be found or the address cannot be bound
   */
  static async start(options: EmulatorOptions = {}): Promise<DatastoreEmulator> {
    const host = options.host ?? '127.0.0.1';
    const protos = loadDatastoreProtos();
    const store = new EntityStore();
    const gate: CallGate = { counts: zeroCounts(), faults: new FaultPlan() };
    const backend = { store, transactions: new TransactionRegistry(), encodeEntity: protos.encodeEntity, now: Date.now };
    const { server, port } = await listen(protos, serviceImplementation(backend, gate), host, options.port ?? 0);
    return new DatastoreEmulator(server, host, port, store, gate);
  }

  /** Stops the server; calls in flight get a second to finish. Safe to call more than once. */
  stop(): Promise<void> {
    this.#stopped ??= shutdown(this.#server);
    return this.#stopped;
  }

  /** Drops all data (entities, deletion markers, id counters). Counts, faults and latency stay. */
  reset(): void {
    this.#store.clear();
  }

  /** How many calls each RPC has received since start or {@link resetCounts}, faulted ones included. */
  rpcCounts(): Record<DatastoreMethod, number> {
    return { ...this.#gate.counts };
  }

  /** Sets every RPC count back to zero. */
  resetCounts(): void {
    Object.assign(this.#gate.counts, zeroCounts());
  }

  /**
   * Makes the next `times` calls of `method` (any RPC if unset) fail with gRPC status `code`,
   * before they read or change anything. Note that the client retries Lookup, RunQuery,
   * RunAggregationQuery and ReserveIds on UNAVAILABLE (14) and DEADLINE_EXCEEDED (4).
   * @throws {RangeError} for a code outside 1–16, a bad `times` or an unknown method
   * @example
   * ```ts
   * emulator.injectFault({ method: 'Commit', code: 14 }); // the next save fails with code 14
   * ```
   */
  injectFault(fault: FaultSpec): void {
    this.#gate.faults.inject(fault);
  }

  /**
   * Delays calls of `method` (every RPC if unset) by `ms` milliseconds; 0 removes the delay.
   * @throws {RangeError} for a negative delay or an unknown method
   */
  setLatency(ms: number, method?: DatastoreMethod): void {
    this.#gate.faults.setLatency(ms, method);
  }

  /** Drops pending faults and all latencies. */
  clearFaults(): void {
    this.#gate.faults.clear();
  }

  /** How many entities are stored, across projects and databases, optionally of one kind and/or namespace ('' is the default namespace). */
  entityCount(filter?: CountFilter): number {
    return this.#store.count(filter);
  }
}

function zeroCounts(): Record<DatastoreMethod, number> {
  return Object.fromEntries(DATASTORE_METHODS.map((m) => [m, 0])) as Record<DatastoreMethod, number>;
}
