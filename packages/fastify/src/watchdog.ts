/** A deadline being watched; `remove` it when its call settles. */
export interface WatchedDeadline {
  /** The tick at which it expires. */
  readonly atTick: number;
  readonly onExpire: () => void;
}

/**
 * Many deadlines on one timer: each store call registers its deadline here instead of arming a timer of its
 * own (a `setTimeout` per cache read costs more than the read's own bookkeeping). The timer ticks every
 * `tickMs` while anything is watched and stops at the first tick that finds nothing, so a deadline fires at
 * most `tickMs` late.
 */
export class Watchdog {
  readonly #tickMs: number;
  readonly #watched = new Set<WatchedDeadline>();
  #timer: NodeJS.Timeout | undefined;
  /** Ticks since the timer last started: the clock of deadlines (no clock read per call). */
  #ticks = 0;

  constructor(tickMs: number) {
    this.#tickMs = Math.max(1, Math.floor(tickMs));
  }

  /** Calls `onExpire` once `afterMs` have passed (to within one tick, never early), unless removed before. */
  watch(afterMs: number, onExpire: () => void): WatchedDeadline {
    // One tick more than the whole ticks in `afterMs`: the current tick has partly passed already.
    const deadline: WatchedDeadline = { atTick: this.#ticks + Math.ceil(afterMs / this.#tickMs) + 1, onExpire };
    this.#watched.add(deadline);
    if (this.#timer === undefined) {
      // Not unref'd: a pending call keeps the process alive until its deadline, as its own timer would.
      this.#timer = setInterval(() => this.#tick(), this.#tickMs);
    }
    return deadline;
  }

  remove(deadline: WatchedDeadline): void {
    // The timer is not stopped here: calls come and go many times a millisecond, and re-arming a timer per
    // call cost more than the call's own bookkeeping; a tick that finds nothing watched stops it.
    this.#watched.delete(deadline);
  }

  /** How many deadlines are watched. */
  get size(): number {
    return this.#watched.size;
  }

  #tick(): void {
    const now = ++this.#ticks;
    for (const deadline of this.#watched) {
      if (deadline.atTick > now) continue;
      this.#watched.delete(deadline);
      deadline.onExpire();
    }
    if (this.#watched.size === 0) this.#stop();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
