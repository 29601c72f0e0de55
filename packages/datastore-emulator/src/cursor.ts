import { invalidArgument } from './errors.ts';
import type { Value } from './messages.ts';

/** Marks cursor bytes as ours, with a format version. */
const MAGIC = 'gaes-cursor-1:';

/**
 * A query position: the sort values of the last entity passed (one per order, then its key as a
 * key value). Results resume strictly after it. The empty tuple is the position before everything.
 * Cursors stay valid while data changes, as real ones do, because they name a place in the order
 * rather than an index into a result list.
 */
export type Position = readonly Value[];

/** Encodes a position as opaque cursor bytes. */
export function encodeCursor(position: Position): Buffer {
  const json = JSON.stringify(position, function replacer(this: Record<string, unknown>, key: string, value: unknown) {
    const original = this[key];
    if (key === 'valueType' || key === 'excludeFromIndexes' || key === 'meaning') return undefined;
    return Buffer.isBuffer(original) ? { $bytes: original.toString('base64') } : value;
  });
  return Buffer.from(MAGIC + json, 'utf8');
}

/**
 * Decodes cursor bytes made by {@link encodeCursor}.
 * @throws {RpcError} INVALID_ARGUMENT for bytes that are not one of our cursors
 */
export function decodeCursor(bytes: Buffer): Position {
  const text = bytes.toString('utf8');
  if (!text.startsWith(MAGIC)) throw invalidCursor();
  try {
    const parsed: unknown = JSON.parse(text.slice(MAGIC.length), (_key, value: unknown) => {
      if (value !== null && typeof value === 'object' && '$bytes' in value) {
        return Buffer.from(String((value as { $bytes: unknown }).$bytes), 'base64');
      }
      return value;
    });
    if (!Array.isArray(parsed)) throw invalidCursor();
    return parsed as Value[];
  } catch {
    throw invalidCursor();
  }
}

function invalidCursor() {
  return invalidArgument('Invalid query cursor.');
}
