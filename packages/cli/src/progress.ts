import type { OutputStream } from './io.ts';

/** Totals shown on the progress line. */
export interface ProgressTotals {
  readonly scanned: number;
  readonly deleted: number;
}

/** A progress line that rewrites itself in place. */
export interface ProgressLine {
  update(totals: ProgressTotals): void;
  /** Clears the line (before the summary is printed). */
  end(): void;
}

const count = (n: number): string => n.toLocaleString('en-US');

/** The text of the progress line: totals, rate, elapsed time. */
export function progressText(totals: ProgressTotals, elapsedMs: number, dryRun: boolean): string {
  const rate = elapsedMs > 0 ? `${count(Math.round((totals.deleted * 1000) / elapsedMs))}/s` : '–/s';
  const verb = dryRun ? 'would delete' : 'deleted';
  return `scanned ${count(totals.scanned)} · ${verb} ${count(totals.deleted)} · ${rate} · ${(elapsedMs / 1000).toFixed(1)} s`;
}

/**
 * A progress line on `stream` when it is a terminal (and `enabled`); otherwise one that prints nothing,
 * so logs and pipes get only the summary.
 */
export function progressLine(stream: OutputStream, clock: () => number, options: { enabled: boolean; dryRun: boolean }): ProgressLine {
  if (!options.enabled || stream.isTTY !== true) return { update: () => undefined, end: () => undefined };
  const startedAt = clock();
  let shown = false;
  return {
    update(totals) {
      stream.write(`\r\x1b[2K${progressText(totals, clock() - startedAt, options.dryRun)}`);
      shown = true;
    },
    end() {
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}
