import { Buffer } from 'node:buffer';

/**
 * A cache entry: the sealed session record, framed with the Datastore version it was written at (so a save
 * of a session read from the cache can still write conditionally, without reading Datastore first):
 *
 *   0xF1 | version length u8 | version (ASCII digits) | sealed record
 *
 * Entries written before the frame existed are a bare seal (first byte 1 or 2, the seal's version) and read
 * as having no version.
 */
const FRAME = 0xf1;

/** Frames a sealed record with the durable version it is based on (`undefined`: none known). */
export function frameCacheValue(sealed: Uint8Array, version: string | undefined): Buffer {
  const v = version ?? '';
  const out = Buffer.allocUnsafe(2 + v.length + sealed.byteLength);
  out[0] = FRAME;
  out[1] = v.length;
  out.write(v, 2, 'latin1');
  out.set(sealed, 2 + v.length);
  return out;
}

/** The sealed record and version of a cache entry; `undefined` for an entry that is not a frame or a seal. */
export function unframeCacheValue(value: Uint8Array): { sealed: Uint8Array; version: string | undefined } | undefined {
  if (value.byteLength < 2) return undefined;
  if (value[0] !== FRAME) return { sealed: value, version: undefined };
  const length = value[1] as number;
  if (value.byteLength < 2 + length) return undefined;
  const version = length === 0 ? undefined : Buffer.from(value.buffer, value.byteOffset + 2, length).toString('latin1');
  return { sealed: value.subarray(2 + length), version };
}
