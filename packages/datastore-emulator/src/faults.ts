import { isDatastoreMethod, type DatastoreMethod } from './methods.ts';

/** A failure to inject: the next `times` calls of `method` (any method if unset) fail with `code`. */
export interface FaultSpec {
  /** The RPC to fail. @default any RPC */
  readonly method?: DatastoreMethod;
  /** The gRPC status code to fail with, 1–16 (for example 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED). */
  readonly code: number;
  /** How many matching calls fail. @default 1 */
  readonly times?: number;
  /** The status message. @default "injected fault" */
  readonly message?: string;
}

/** The status a faulted call fails with. */
export interface InjectedFailure {
  readonly code: number;
  readonly message: string;
}

interface PendingFault {
  readonly method: DatastoreMethod | undefined;
  readonly code: number;
  readonly message: string;
  remaining: number;
}

/** Injected faults and latencies, consulted once per incoming call. */
export class FaultPlan {
  readonly #faults: PendingFault[] = [];
  readonly #latencyMs = new Map<DatastoreMethod | '*', number>();

  /**
   * Queues a fault. Faults are used in the order they were injected.
   * @throws {RangeError} for a code outside 1–16, a bad `times`, or an unknown method
   */
  inject(spec: FaultSpec): void {
    if (!Number.isInteger(spec.code) || spec.code < 1 || spec.code > 16) {
      throw new RangeError(`fault code must be a gRPC status code 1–16, got ${spec.code}`);
    }
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`fault times must be a positive integer, got ${times}`);
    checkMethod(spec.method);
    this.#faults.push({ method: spec.method, code: spec.code, message: spec.message ?? 'injected fault', remaining: times });
  }

  /** Uses up one pending fault that matches `method`, if any, and says how to fail. */
  take(method: DatastoreMethod): InjectedFailure | undefined {
    const index = this.#faults.findIndex((f) => f.method === undefined || f.method === method);
    const fault = this.#faults[index];
    if (fault === undefined) return undefined;
    fault.remaining--;
    if (fault.remaining === 0) this.#faults.splice(index, 1);
    return { code: fault.code, message: fault.message };
  }

  /**
   * Delays calls of `method` (every method if unset) by `latencyMs`; a per-method delay overrides
   * the all-methods one. Zero removes the delay.
   * @throws {RangeError} for a negative or non-finite delay, or an unknown method
   */
  setLatency(latencyMs: number, method?: DatastoreMethod): void {
    if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new RangeError(`latency must be a finite number >= 0, got ${latencyMs}`);
    checkMethod(method);
    if (latencyMs === 0) this.#latencyMs.delete(method ?? '*');
    else this.#latencyMs.set(method ?? '*', latencyMs);
  }

  /** The delay for a call of `method`, in milliseconds. */
  latencyFor(method: DatastoreMethod): number {
    return this.#latencyMs.get(method) ?? this.#latencyMs.get('*') ?? 0;
  }

  /** Drops every pending fault and every latency. */
  clear(): void {
    this.#faults.length = 0;
    this.#latencyMs.clear();
  }
}

function checkMethod(method: string | undefined): void {
  if (method !== undefined && !isDatastoreMethod(method)) throw new RangeError(`unknown Datastore method "${method}"`);
}
