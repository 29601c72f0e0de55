import { parseDuration } from '@gaes/core';
import { UsageError } from './errors.ts';

/** The most keys one Datastore Commit may delete. */
export const MAX_BATCH_SIZE = 500;

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
 * `--batch-size`: a whole number from 1 to 500 (Datastore deletes at most 500 keys per Commit).
 * @throws {UsageError}
 */
export function batchSizeFlag(value: string | undefined): number {
  if (value === undefined) return MAX_BATCH_SIZE;
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--batch-size "${value}" must be a whole number from 1 to ${MAX_BATCH_SIZE}`);
  if (n > MAX_BATCH_SIZE) throw new UsageError(`--batch-size ${n} is over ${MAX_BATCH_SIZE}, the most keys Datastore deletes in one Commit: use ${MAX_BATCH_SIZE} or less`);
  return n;
}

/**
 * A name flag (`--kind`, `--namespace`, `--ring-kind`, `--ring-name`): what Datastore accepts.
 * @throws {UsageError}
 */
export function nameFlag(flag: string, value: string | undefined, pattern: RegExp, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (!pattern.test(value)) throw new UsageError(`${flag} "${value}" is not valid: ${what}`);
  return value;
}

/** Kinds: 1–100 characters, no spaces, not `__reserved__`. */
export const KIND_PATTERN = /^(?!__.*__$)\S{1,100}$/;
/** Namespaces: 1–100 letters, digits, `.`, `_` or `-`. */
export const NAMESPACE_PATTERN = /^[0-9A-Za-z._-]{1,100}$/;

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
