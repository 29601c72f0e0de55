import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError } from '@gaes/core';
import { GrpcCode, isTransient, toStoreError } from './classify-error.ts';

/** One retry about to happen (for logs and metrics). */
export interface RetryEvent {
  /** `lookup`, `upsert`, `delete` or `query`. */
  readonly operation: string;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  /** How long the next attempt waits. */
  readonly delayMs: number;
  /** What the failed attempt threw. */
  readonly error: unknown;
}

/**
 * How Datastore calls are retried. Every call makes at most `1 + retries` attempts: the client
 * library's own retries are switched off per call (`gaxOptions.retry = null`), so these are the only ones.
 * Waits use exponential backoff with full jitter: `random() * min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))`.
 */
export interface RetryOptions {
  /** Retries after the first attempt (0 turns retrying off). @default 3 */
  readonly retries?: number;
  /** Backoff before the first retry (before jitter). @default 50 */
  readonly baseDelayMs?: number;
  /** Longest backoff (before jitter). @default 1000 */
  readonly maxDelayMs?: number;
  /** gRPC deadline of each attempt; a slower attempt fails with DEADLINE_EXCEEDED. @default 1500 */
  readonly attemptTimeoutMs?: number;
  /**
   * Longest time one call may take, all attempts and waits included: no attempt starts, and no attempt's
   * deadline reaches, past it. So a frozen Datastore answers with a 503 within this bound (and the request within 3 s). @default 2500
   */
  readonly totalTimeoutMs?: number;
  /**
   * gRPC codes that are retried. @default [4, 8, 10, 13, 14] (DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED,
   * ABORTED, INTERNAL, UNAVAILABLE). Session writes are idempotent upserts and deletes, so retrying
   * after an ambiguous failure is safe.
   */
  readonly retryCodes?: readonly number[];
  /** Waits `ms` (inject for tests). @default `timers/promises` setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1) for jitter (inject for tests). @default Math.random */
  readonly random?: () => number;
  /** Called before each retry. */
  readonly onRetry?: (event: RetryEvent) => void;
}

/** {@link RetryOptions} with every default filled in. */
export interface RetryPolicy {
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly attemptTimeoutMs: number;
  readonly totalTimeoutMs: number;
  readonly retryCodes: ReadonlySet<number>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly onRetry: ((event: RetryEvent) => void) | undefined;
}

const DEFAULT_RETRY_CODES = [
  GrpcCode.DEADLINE_EXCEEDED,
  GrpcCode.RESOURCE_EXHAUSTED,
  GrpcCode.ABORTED,
  GrpcCode.INTERNAL,
  GrpcCode.UNAVAILABLE,
];
const MAX_RETRIES = 10;

function wholeNumber(value: number, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`\`retry.${name}\` must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * Validates retry options and fills defaults; never mutates `input`.
 * @throws {ConfigError} naming the option to change.
 */
export function resolveRetry(input: RetryOptions = {}): RetryPolicy {
  const baseDelayMs = wholeNumber(input.baseDelayMs ?? 50, 'baseDelayMs', 0, 60_000);
  const maxDelayMs = wholeNumber(input.maxDelayMs ?? 1000, 'maxDelayMs', 0, 600_000);
  if (maxDelayMs < baseDelayMs) throw new ConfigError('`retry.maxDelayMs` must be at least `retry.baseDelayMs`');
  const retryCodes = input.retryCodes ?? DEFAULT_RETRY_CODES;
  for (const code of retryCodes) wholeNumber(code, 'retryCodes[]', 1, 16);
  return {
    retries: wholeNumber(input.retries ?? 3, 'retries', 0, MAX_RETRIES),
    baseDelayMs,
    maxDelayMs,
    attemptTimeoutMs: wholeNumber(input.attemptTimeoutMs ?? 1500, 'attemptTimeoutMs', 1, 600_000),
    totalTimeoutMs: wholeNumber(input.totalTimeoutMs ?? 2500, 'totalTimeoutMs', 1, 3_600_000),
    retryCodes: new Set(retryCodes),
    sleep: input.sleep ?? ((ms) => delay(ms)),
    random: input.random ?? Math.random,
    onRetry: input.onRetry,
  };
}

/** The backoff before retry number `attempt` (1-based): full jitter over an exponential cap. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(policy.random() * cap);
}

/**
 * Per-call options for the Datastore client: its own (gax) retries off, so the only retries are ours,
 * and a deadline for the attempt (by default the policy's per-attempt deadline).
 */
export function callOptions(policy: RetryPolicy, timeoutMs = policy.attemptTimeoutMs): { retry: null; timeout: number } {
  return { retry: null, timeout: timeoutMs };
}

/** Attempts shorter than this are not started: too little of the call's total time is left. */
const MIN_ATTEMPT_MS = 20;

/**
 * Runs `attempt` until it succeeds, fails permanently, `1 + retries` attempts have failed, or the policy's
 * total time is used up. Each attempt gets the deadline it may use (its own, cut to what is left).
 * @throws {StoreUnavailableError} after the last transient failure, or for a failure that is not a gRPC error
 * @throws {StoreRejectedError} for a permanent refusal (or {@link DatastoreEntityTooLargeError})
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  operation: string,
  attempt: (options: { retry: null; timeout: number }) => Promise<T>,
  payloadBytes?: number,
): Promise<T> {
  const endMs = performance.now() + policy.totalTimeoutMs;
  for (let n = 1; ; n++) {
    const leftMs = Math.floor(endMs - performance.now());
    try {
      return await attempt(callOptions(policy, Math.max(1, Math.min(policy.attemptTimeoutMs, leftMs))));
    } catch (err) {
      if (n > policy.retries || !isTransient(err, policy.retryCodes)) throw toStoreError(operation, err, n, payloadBytes);
      const delayMs = backoffMs(policy, n);
      if (endMs - performance.now() - delayMs < MIN_ATTEMPT_MS) throw toStoreError(operation, err, n, payloadBytes);
      policy.onRetry?.({ operation, attempt: n, delayMs, error: err });
      await policy.sleep(delayMs);
      // The wait itself may have run late (a busy process): an attempt with no time left is not started.
      if (endMs - performance.now() < MIN_ATTEMPT_MS) throw toStoreError(operation, err, n, payloadBytes);
    }
  }
}
