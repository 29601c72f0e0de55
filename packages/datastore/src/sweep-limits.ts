import { ConfigError } from '@gaes/core';

/** `value` (or `fallback` when absent) as a whole number from 1 to `max`. @throws {ConfigError} otherwise */
export function positiveInt(value: number | undefined, fallback: number, name: string, max: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ConfigError(`\`${name}\` must be a whole number from 1 to ${max}, got ${String(n)}`);
  return n;
}

/**
 * A sweep's "time is up" test: a time in ms compared with `clock`, or an AbortSignal.
 * @throws {ConfigError} for anything else
 */
export function deadlineCheck(deadline: number | AbortSignal, clock: () => number): () => boolean {
  if (typeof deadline === 'number' && !Number.isNaN(deadline)) return () => clock() >= deadline;
  if (typeof deadline === 'object' && deadline !== null && typeof deadline.aborted === 'boolean') return () => deadline.aborted;
  throw new ConfigError('`deadline` must be a time in ms or an AbortSignal');
}
