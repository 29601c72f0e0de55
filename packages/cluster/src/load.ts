import { performance } from 'node:perf_hooks';
import type { ClusterClient } from './client.ts';

/** What one request of a load run was for. */
export type OperationKind = 'read' | 'inc';

/** How one request of a load run ended: a status, or no answer in time, or a socket failure. */
export type Outcome = number | 'timeout' | 'error';

/** One request of a load run. Times are in ms since the run's origin. */
export interface Sample {
  readonly group: string;
  readonly kind: OperationKind;
  readonly startMs: number;
  readonly latencyMs: number;
  readonly outcome: Outcome;
}

/** One browser's increments during a load run, to check for lost updates afterwards. */
export interface IncrementTally {
  readonly client: ClusterClient;
  readonly group: string;
  /** Increments answered 2xx: each must be in the final counter. */
  confirmed: number;
  /** Increments answered with an error status: none may be in the final counter. */
  refused: number;
  /** Increments with no answer (timeout, socket failure): each may or may not be in the final counter. */
  unknown: number;
  /** The counter each answered increment returned (`NaN` when its body had none), in order. */
  readonly answered: number[];
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** The browsers; each sends its requests one after another. */
  readonly clients: readonly ClusterClient[];
  /** A label for the samples (e.g. `server-side`, `cookie-tier`). */
  readonly group: string;
  /** Prefix of the session routes (`''`, or `'/cookie'` for the cookie-tier registration). */
  readonly prefix?: string;
  /** Reads (`GET /state`) per increment (`GET /inc`). @default 2 */
  readonly readsPerIncrement?: number;
  /** Abort a request after this long (it counts as `timeout`). */
  readonly timeoutMs: number;
  /** The origin of sample times (a `performance.now()` value). */
  readonly originMs: number;
  /** Whether to start another request. */
  readonly running: () => boolean;
  /** Gets every sample as it completes. */
  readonly onSample: (sample: Sample) => void;
}

/**
 * Runs browsers until `running()` turns false: each sends its requests one after another, cycling over the
 * instances (browser `b` starts at instance `b`), `readsPerIncrement` reads then one increment. Resolves with
 * each browser's increment tally once every request in flight has ended.
 */
export async function runLoad(options: LoadOptions): Promise<IncrementTally[]> {
  const prefix = options.prefix ?? '';
  const cycle = (options.readsPerIncrement ?? 2) + 1;
  const tallies = options.clients.map((client): IncrementTally => ({ client, group: options.group, confirmed: 0, refused: 0, unknown: 0, answered: [] }));
  await Promise.all(
    tallies.map(async (tally, b) => {
      const instances = tally.client.urls.length;
      for (let k = 0; options.running(); k++) {
        const kind: OperationKind = k % cycle === cycle - 1 ? 'inc' : 'read';
        const started = performance.now();
        let outcome: Outcome;
        let counter = Number.NaN;
        try {
          const res = await tally.client.get<{ counter?: unknown }>((b + k) % instances, `${prefix}${kind === 'inc' ? '/inc' : '/state'}`, {
            timeoutMs: options.timeoutMs,
          });
          outcome = res.status;
          if (typeof res.body === 'object' && res.body !== null && typeof res.body.counter === 'number') counter = res.body.counter;
        } catch (err) {
          outcome = (err as { code?: unknown }).code === 'ERR_GAES_CLUSTER_TIMEOUT' ? 'timeout' : 'error';
        }
        if (kind === 'inc') {
          if (typeof outcome !== 'number') tally.unknown++;
          else if (outcome < 300) {
            tally.confirmed++;
            tally.answered.push(counter);
          }
          else tally.refused++;
        }
        options.onSample({ group: options.group, kind, startMs: started - options.originMs, latencyMs: performance.now() - started, outcome });
      }
    }),
  );
  return tallies;
}

/** The `p`-th percentile (0–100, nearest rank) of ascending `sorted`; `NaN` when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Latency and outcome figures of some samples. */
export interface Summary {
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Answers with a status outside 2xx. */
  readonly non2xx: number;
  readonly timeouts: number;
  /** Socket failures. */
  readonly errors: number;
  /** Requests per second over `spanMs`. */
  readonly perSecond: number;
}

/** Summarises `samples` taken over `spanMs` (timeouts count at their timeout in the latencies). */
export function summarize(samples: readonly Sample[], spanMs: number): Summary {
  const latencies = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  return {
    requests: samples.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length === 0 ? Number.NaN : (latencies[latencies.length - 1] as number),
    non2xx: samples.filter((s) => typeof s.outcome === 'number' && (s.outcome < 200 || s.outcome >= 300)).length,
    timeouts: samples.filter((s) => s.outcome === 'timeout').length,
    errors: samples.filter((s) => s.outcome === 'error').length,
    perSecond: spanMs > 0 ? (samples.length * 1000) / spanMs : Number.NaN,
  };
}

/** Samples grouped by the second (of `bucketMs`) in which they started: index `i` covers `[i, i+1) * bucketMs`. */
export function bySecond(samples: readonly Sample[], bucketMs = 1000): Sample[][] {
  const buckets: Sample[][] = [];
  for (const sample of samples) {
    const i = Math.max(0, Math.floor(sample.startMs / bucketMs));
    while (buckets.length <= i) buckets.push([]);
    (buckets[i] as Sample[]).push(sample);
  }
  return buckets;
}
