import { DATASTORE_MAX_MUTATIONS_PER_COMMIT, parseDuration } from '@gaes/core';
import { UsageError } from './errors.ts';

/**
 * A duration flag (`90s`, `15m`, `12h`, `7d`; also `ms` and `w`) in ms; `undefined` when absent.
 * A bare number is refused: `--max-time 10` could mean seconds or minutes.
 * @throws {UsageError} naming the flag and the accepted forms.
 */
export function durationFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  let ms: number | undefined;
  try {
    ms = /^\s*\d+(\.\d+)?\s*[a-z]+\s*$/.test(value) ? parseDuration(value) : undefined;
  } catch {
    ms = undefined;
  }
  if (ms === undefined) throw new UsageError(`${flag} "${value}" is not a duration: use a number and a unit, like 90s, 15m, 12h or 7d`);
  if (ms <= 0) throw new UsageError(`${flag} must be longer than 0, got "${value}"`);
  return ms;
}

/**
 * `--batch-size`: a whole number from 1 to {@link DATASTORE_MAX_MUTATIONS_PER_COMMIT} (the most keys Datastore
 * deletes in one Commit).
 * @throws {UsageError}
 */
export function batchSizeFlag(value: string | undefined): number {
  const max = DATASTORE_MAX_MUTATIONS_PER_COMMIT;
  if (value === undefined) return max;
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--batch-size "${value}" must be a whole number from 1 to ${max}`);
  if (n > max) throw new UsageError(`--batch-size ${n} is over ${max}, the most keys Datastore deletes in one Commit: use ${max} or less`);
  return n;
}

/**
 * A name flag: `--kind`, `--namespace`, `--ring-kind` and `--ring-name` take `@gaes/core`'s Datastore name rules
 * (`isValidKind`, …), others a pattern. `what` says what is accepted.
 * @throws {UsageError}
 */
export function nameFlag(flag: string, value: string | undefined, valid: RegExp | ((value: string) => boolean), what: string): string | undefined {
  if (value === undefined) return undefined;
  if (!(typeof valid === 'function' ? valid(value) : valid.test(value))) throw new UsageError(`${flag} "${value}" is not valid: ${what}`);
  return value;
}

/** Formats ms as the largest whole unit that fits (`7d`, `5m`, `90s`, `1500ms`). */
export function formatDuration(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  for (const [unit, size] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${ms}ms`;
}
