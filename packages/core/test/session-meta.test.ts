import { Buffer } from 'node:buffer';
import t from 'tap';
import { openEnvelope, sealEnvelope } from '../src/envelope.ts';
import { KeyRing } from '../src/keyring.ts';
import { seal, SealPurpose, sealToString } from '../src/seal.ts';
import { createSessionId } from '../src/session-id.ts';
import {
  assertUserId,
  HANDLE_LENGTH,
  isSessionHandle,
  legacySessionHandle,
  lineageTag,
  newSessionHandle,
  readMeta,
  writeMeta,
  metaBytes,
} from '../src/session-meta.ts';
import { testMeta } from './helpers/meta.ts';

const ring = new KeyRing('meta-test-secret-0123456789abcdefghijklmnopqr');

t.test('handles: 128 random bits, base64url, recognisable; legacy ones derived from the id', async (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const h = newSessionHandle();
    t.equal(h.length, HANDLE_LENGTH);
    if (!isSessionHandle(h)) t.fail(`not a handle: ${h}`);
    seen.add(h);
  }
  t.equal(seen.size, 2000);
  for (const bad of ['', 'x'.repeat(21), 'x'.repeat(23), `${'A'.repeat(21)}B`, `${'A'.repeat(21)}=`, 42, undefined, `${'A'.repeat(20)}/A`]) {
    t.notOk(isSessionHandle(bad), `refused: ${String(bad)}`);
  }
  const id = createSessionId(1e12, false);
  t.equal(legacySessionHandle(id), legacySessionHandle(id), 'stable');
  t.not(legacySessionHandle(id), legacySessionHandle(createSessionId(1e12, false)));
  t.ok(isSessionHandle(legacySessionHandle(id)));
  t.notOk(legacySessionHandle(id).includes(id.slice(11, 20)), 'reveals nothing of the id');
  t.equal(lineageTag(id).length, 11);
  t.equal(lineageTag(id), lineageTag(id));
});

t.test('user ids: non-empty, at most 255 UTF-8 bytes', async (t) => {
  assertUserId('u');
  assertUserId('é'.repeat(127));
  for (const bad of ['', 'x'.repeat(256), 'é'.repeat(128), 42, undefined, null]) {
    t.throws(() => assertUserId(bad), { code: 'ERR_GAES_CONFIG' }, String(bad).slice(0, 20));
  }
});

t.test('meta round-trips at any offset and its size is exact', async (t) => {
  const metas = [
    testMeta(1.5),
    testMeta(1_764_000_000_123, { rev: 0xffff_ffff, createdAtMs: 1_700_000_000_000, user: { id: 'ü'.repeat(100), sinceMs: 1_763_000_000_000, seenAtMs: 1_764_000_000_000 } }),
    testMeta(9, { predecessor: { tag: lineageTag('a'), id: undefined, untilMs: 0 } }),
    testMeta(9, { user: { id: 'x', sinceMs: 0, seenAtMs: 0 }, predecessor: { tag: lineageTag('b'), id: createSessionId(1e12, false), untilMs: 1_764_000_010_000 } }),
  ];
  for (const meta of metas) {
    const buf = Buffer.alloc(metaBytes(meta) + 5, 0xee);
    t.equal(writeMeta(buf, 3, meta), 3 + metaBytes(meta));
    const read = readMeta(buf, 3);
    t.same(read, { meta, end: 3 + metaBytes(meta) });
    for (let cut = 3; cut < 3 + metaBytes(meta); cut++) {
      if (readMeta(buf.subarray(0, cut), 3) !== undefined) t.fail(`a meta cut to ${cut - 3} bytes was read`);
    }
  }
  const buf = Buffer.alloc(metaBytes(metas[0]!));
  writeMeta(buf, 0, metas[0]!);
  buf[buf.length - 1] = 0x08;
  t.equal(readMeta(buf, 0), undefined, 'an unknown flag is refused');
});

t.test('cookies of layout 1 still open (no logout on upgrade); layout 2 carries the meta', async (t) => {
  const id = createSessionId(Date.now() + 60_000, false);
  const plaintext = Buffer.alloc(43 + 8 + 3);
  plaintext.write(id, 0, 'latin1');
  plaintext.writeDoubleBE(777, 43);
  plaintext.write('\x01{}', 51);
  const old = openEnvelope(ring, sealToString(seal(ring, SealPurpose.cookie, plaintext)));
  t.ok(old.ok);
  if (old.ok) {
    t.equal(old.envelope.lastActiveMs, 777);
    t.equal(old.envelope.rev, 0);
    t.equal(old.envelope.handle, legacySessionHandle(id));
    t.equal(old.envelope.data?.toString(), '\x01{}');
  }
  const pointer = openEnvelope(ring, sealToString(seal(ring, SealPurpose.pointer, plaintext.subarray(0, 51))));
  t.ok(pointer.ok && pointer.envelope.data === undefined);
  t.notOk(openEnvelope(ring, sealToString(seal(ring, SealPurpose.pointer, plaintext))).ok, 'a pointer with trailing bytes is refused');

  const meta = testMeta(5, { rev: 3, user: { id: 'u1', sinceMs: 1_763_000_000_000, seenAtMs: 1_764_000_000_000 } });
  const v2 = openEnvelope(ring, sealEnvelope(ring, id, meta, undefined));
  t.ok(v2.ok);
  if (v2.ok) t.same({ rev: v2.envelope.rev, user: v2.envelope.user, handle: v2.envelope.handle, data: v2.envelope.data }, { rev: 3, user: meta.user, handle: meta.handle, data: undefined });
});
