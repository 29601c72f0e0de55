import { StoreUnavailableError } from '@gaes/core';

/** Settings of a {@link CircuitBreaker}. */
export interface BreakerSettings {
  /** Consecutive failures (errors or timeouts) that open the circuit. */
  readonly failureThreshold: number;
  /** How long the circuit stays open before the first probe. */
  readonly openMs: number;
  /** The longest wait between probes (the wait doubles after each failed probe, up to this). */
  readonly maxOpenMs: number;
}

/** How a breaker reports its state changes (once per change). */
export interface BreakerLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Options of a {@link CircuitBreaker}. */
export interface BreakerOptions extends BreakerSettings {
  /** The tier's name, for logs and errors (`'cache'`, `'Datastore'`). */
  readonly name: string;
  /** A cheap call that tells whether the tier answers again (run in the background, one at a time). */
  readonly probe: () => Promise<unknown>;
  readonly log: BreakerLogger;
  /** Whether an error means the tier is down (only those count; a refusal of one value does not). */
  readonly isOutage?: (err: unknown) => boolean;
}

/** A call refused at once because its tier's circuit is open: the tier failed just before and is being probed. */
export class CircuitOpenError extends StoreUnavailableError {
  /** The tier (`'cache'`, `'Datastore'`). */
  readonly tier: string;
  constructor(tier: string, cause: unknown) {
    super(`session ${tier} is unavailable (circuit open)`, { cause });
    this.tier = tier;
  }
}

/** The state of a breaker: `closed` (calls go through), `open` (calls fail at once; probes run). */
export type BreakerState = 'closed' | 'open';

/**
 * A per-process circuit breaker for one store tier. After `failureThreshold` consecutive failures the circuit
 * opens: calls fail at once with a {@link StoreUnavailableError} (so a request never waits on a tier known to
 * be down), and a probe runs in the background after `openMs`, then again with doubling waits up to
 * `maxOpenMs`, one at a time, never on a request's time. The first probe that succeeds closes the circuit.
 * Each change of state is logged once. Every instance keeps its own breaker: each finds out on its own.
 */
export class CircuitBreaker {
  readonly name: string;
  readonly #settings: BreakerSettings;
  readonly #probe: () => Promise<unknown>;
  readonly #log: BreakerLogger;
  readonly #isOutage: (err: unknown) => boolean;
  #failures = 0;
  #state: BreakerState = 'closed';
  #waitMs = 0;
  #timer: NodeJS.Timeout | undefined;
  #lastError: unknown;

  constructor(options: BreakerOptions) {
    this.name = options.name;
    this.#settings = options;
    this.#probe = options.probe;
    this.#log = options.log;
    this.#isOutage = options.isOutage ?? ((err) => err instanceof StoreUnavailableError);
  }

  get state(): BreakerState {
    return this.#state;
  }

  /**
   * Runs `call` unless the circuit is open, and records how it went.
   * @throws {CircuitOpenError} at once while the circuit is open; otherwise whatever `call` throws
   */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#state === 'open') {
      throw new CircuitOpenError(this.name, this.#lastError);
    }
    try {
      const result = await call();
      this.#failures = 0;
      return result;
    } catch (err) {
      if (this.#isOutage(err)) this.#failed(err);
      throw err;
    }
  }

  /** Stops probing (the app is closing). */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #failed(err: unknown): void {
    this.#lastError = err;
    if (this.#state === 'open' || ++this.#failures < this.#settings.failureThreshold) return;
    this.#state = 'open';
    this.#waitMs = this.#settings.openMs;
    this.#log.warn(
      { err, tier: this.name, failures: this.#failures },
      `gaes: session ${this.name} unavailable; skipping it and probing every ${this.#settings.openMs}–${this.#settings.maxOpenMs} ms`,
    );
    this.#schedule();
  }

  #schedule(): void {
    this.#timer = setTimeout(() => void this.#runProbe(), this.#waitMs);
    this.#timer.unref();
  }

  async #runProbe(): Promise<void> {
    try {
      await this.#probe();
    } catch (err) {
      this.#lastError = err;
      this.#waitMs = Math.min(this.#waitMs * 2, this.#settings.maxOpenMs);
      if (this.#timer !== undefined) this.#schedule();
      return;
    }
    if (this.#timer === undefined) return; // closed meanwhile
    this.#state = 'closed';
    this.#failures = 0;
    this.#timer = undefined;
    this.#log.info({ tier: this.name }, `gaes: session ${this.name} available again`);
  }
}
