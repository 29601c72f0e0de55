import { KeyRing, newSessionHandle, openRecord, sealRecord, createSessionId, type SessionRecord } from '@gaes/core';
import t from 'tap';
import { OpenedRecords } from '../src/opened-records.ts';

const ring = new KeyRing('opened-records-secret-0123456789abcdefghijk');
const record = (n: number): SessionRecord => ({
  rev: n, lastActiveMs: 1, createdAtMs: 0, handle: newSessionHandle(), user: undefined, predecessor: undefined, successor: undefined,
  data: Buffer.from(`\x01{"n":${n}}`),
});

t.test('a record is found again only for the same bytes, id and key ring', async (t) => {
  const cache = new OpenedRecords(10);
  const id = createSessionId(Date.now() + 60_000, false);
  const sealed = sealRecord(ring, id, record(1));
  const opened = openRecord(ring, id, sealed);
  if (!opened.ok) throw new Error('unreachable');
  t.equal(cache.get(id, ring, sealed), undefined, 'empty');
  cache.set(id, ring, sealed, opened.record);
  t.same(cache.get(id, ring, Buffer.from(sealed))?.rev, 1, 'the same bytes from elsewhere');
  t.equal(cache.get(createSessionId(Date.now() + 60_000, false), ring, sealed), undefined, 'another id');
  t.equal(cache.get(id, new KeyRing('another-secret-0123456789abcdefghijklmnopqr'), sealed), undefined, 'another ring');
  const changed = Buffer.from(sealed);
  changed[10] = (changed[10] as number) ^ 1;
  t.equal(cache.get(id, ring, changed), undefined, 'one byte changed, same tag');
  const data = cache.get(id, ring, sealed)?.data as Uint8Array;
  t.equal(data.buffer.byteLength, data.byteLength, 'the data holds its own bytes (no pool slab pinned)');
});

t.test('bounded: first in, first out; large records and a size of 0 keep nothing', async (t) => {
  const cache = new OpenedRecords(2);
  const ids = [0, 1, 2].map(() => createSessionId(Date.now() + 60_000, false));
  const sealed = ids.map((id, i) => sealRecord(ring, id, record(i)));
  ids.forEach((id, i) => cache.set(id, ring, sealed[i] as Buffer, record(i)));
  t.equal(cache.size, 2);
  t.equal(cache.get(ids[0] as string, ring, sealed[0] as Buffer), undefined, 'the oldest left');
  t.equal(cache.get(ids[2] as string, ring, sealed[2] as Buffer)?.rev, 2);
  const big = { ...record(9), data: Buffer.alloc(20_000, 1) };
  const bigId = ids[1] as string;
  const bigSealed = sealRecord(ring, bigId, big);
  cache.set(bigId, ring, bigSealed, big);
  t.equal(cache.get(bigId, ring, bigSealed), undefined, 'over 16 KiB: not kept');
  const off = new OpenedRecords(0);
  off.set(ids[2] as string, ring, sealed[2] as Buffer, record(2));
  t.equal(off.get(ids[2] as string, ring, sealed[2] as Buffer), undefined);
});
