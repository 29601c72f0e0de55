import type { Timestamp } from './messages.ts';

/** A `google.protobuf.Timestamp` for a time in milliseconds since the epoch. */
export function timestampFromMs(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}
