import { ConfigError } from './errors.ts';

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** A duration: milliseconds, or a string such as `'90s'`, `'15m'`, `'12h'`, `'7d'`, `'2w'`, `'250ms'`. */
export type Duration = number | string;

/**
 * Parses a {@link Duration} into whole milliseconds.
 * @throws {ConfigError} when the value is not a non-negative finite duration.
 * @example parseDuration('7d') // 604800000
 */
export function parseDuration(value: Duration, what = 'duration'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new ConfigError(`${what} must be a non-negative number of milliseconds, got ${String(value)}`);
    }
    return Math.floor(value);
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(value);
  const amount = match?.[1];
  const unit = match?.[2];
  if (amount === undefined || unit === undefined) {
    throw new ConfigError(
      `${what} "${value}" is not a duration: use a number of milliseconds or a string like 90s, 15m, 12h, 7d`,
    );
  }
  return Math.floor(Number(amount) * (UNIT_MS[unit] ?? 1));
}
