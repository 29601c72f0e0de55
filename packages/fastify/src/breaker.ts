import { StoreUnavailableError } from '@gaes/core';
import { Watchdog } from './watchdog.ts';

/** Settings of a {@link CircuitBreaker}. */
export interface BreakerSettings {
  /**
   * Consecutive failures (errors or timeouts) that open the circuit; as many calls pending longer than
   * `slowCallMs` at once open it too (a frozen tier is noticed before calls time out).
   */
  readonly failureThreshold: number;
  /** A call pending longer than this counts as slow. */
  readonly slowCallMs: number;
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

/** A call going through the breaker. */
interface Pending {
  readonly reject: (err: unknown) => void;
  slow: boolean;
}

/**
 * A per-process circuit breaker for one store tier. After `failureThreshold` consecutive failures, or as
 * many calls pending longer than `slowCallMs` at once (a frozen server answers nothing, so its calls would
 * only fail at their timeouts), the circuit opens: the calls still pending fail at once, new calls fail at
 * once with a {@link CircuitOpenError} (a request never waits on a tier known to be down), and a probe runs in
 * the background after `openMs`, then again with doubling waits up to `maxOpenMs`, one at a time, never on a
 * request's time. The first probe that succeeds closes the circuit. Each change of state is logged once.
 * Every instance keeps its own breaker: each finds out on its own.
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
  readonly #pending = new Set<Pending>();
  #slowPending = 0;
  readonly #watchdog: Watchdog;

  constructor(options: BreakerOptions) {
    this.name = options.name;
    this.#settings = options;
    this.#probe = options.probe;
    this.#log = options.log;
    this.#isOutage = options.isOutage ?? ((err) => err instanceof StoreUnavailableError);
    this.#watchdog = new Watchdog(Math.min(50, options.slowCallMs / 2));
  }

  get state(): BreakerState {
    return this.#state;
  }

  /**
   * Runs `call` unless the circuit is open, and records how it went.
   * @throws {CircuitOpenError} at once while the circuit is open; otherwise whatever `call` throws
   */
  run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#state === 'open') return Promise.reject(new CircuitOpenError(this.name, this.#lastError));
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { reject, slow: false };
      this.#pending.add(pending);
      const deadline = this.#watchdog.watch(this.#settings.slowCallMs, () => this.#markSlow(pending));
      // Whether the call was still pending (not failed already when the circuit opened).
      const settle = (): boolean => {
        this.#watchdog.remove(deadline);
        if (!this.#pending.delete(pending)) return false;
        if (pending.slow) this.#slowPending--;
        return true;
      };
      call().then(
        (result) => {
          if (!settle()) return; // failed already, when the circuit opened
          this.#failures = 0;
          resolve(result);
        },
        (err: unknown) => {
          if (!settle()) return;
          if (this.#isOutage(err)) this.#failed(err);
          reject(err);
        },
      );
    });
  }

  /** Stops probing (the app is closing). */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #markSlow(pending: Pending): void {
    if (!this.#pending.has(pending)) return;
    pending.slow = true;
    if (++this.#slowPending >= this.#settings.failureThreshold && this.#state === 'closed') {
      this.#open(new StoreUnavailableError(`${this.#slowPending} session ${this.name} calls pending for more than ${this.#settings.slowCallMs} ms`));
    }
  }

  #failed(err: unknown): void {
    this.#lastError = err;
    if (this.#state === 'open' || ++this.#failures < this.#settings.failureThreshold) return;
    this.#open(err);
  }

  #open(err: unknown): void {
    this.#lastError = err;
    this.#state = 'open';
    this.#waitMs = this.#settings.openMs;
    this.#log.warn(
      { err, tier: this.name, failures: this.#failures, slow: this.#slowPending },
      `gaes: session ${this.name} unavailable; skipping it and probing every ${this.#settings.openMs}–${this.#settings.maxOpenMs} ms`,
    );
    // The calls still pending would only fail at their timeouts: they fail now, and their requests go on.
    const pending = [...this.#pending];
    this.#pending.clear();
    this.#slowPending = 0;
    for (const p of pending) p.reject(new CircuitOpenError(this.name, err));
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
