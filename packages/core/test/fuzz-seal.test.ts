/**
 * Properties of the seal (@gaes/core seal/openSeal, sealEnvelope/openEnvelope): what was sealed opens to
 * exactly itself; anything else — other keys, purposes, contexts, any mutated, truncated or extended
 * seal, random text — is a failure result, never an exception, never a success.
 */
import { Buffer } from 'node:buffer';
import {
  createSessionId,
  KeyRing,
  openEnvelope,
  newSessionHandle,
  openRecord,
  openSeal,
  seal,
  sealEnvelope,
  sealFromString,
  SealPurpose,
  sealRecord,
  sealToString,
  type SealAlgorithm,
} from '../src/index.ts';
import fc from 'fast-check';
import t from 'tap';
import { testMeta } from './helpers/meta.ts';
import { applyEdits, checkProperty, edit } from '@gaes/test-support/fuzz';

const ring = new KeyRing('fuzz-secret-one-0123456789abcdefghijklmnop');
const other = new KeyRing('fuzz-secret-two-0123456789abcdefghijklmnop');
const rotated = new KeyRing(['fuzz-secret-new-0123456789abcdefghijklmnop', 'fuzz-secret-one-0123456789abcdefghijklmnop']);

const algorithm = fc.constantFrom<SealAlgorithm>('xchacha20-poly1305', 'aes-256-gcm');
const purpose = fc.constantFrom(...Object.values(SealPurpose));
const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
const context = fc.option(fc.uint8Array({ minLength: 1, maxLength: 48 }), { nil: undefined });

/** A byte-level change that always changes the seal: flip bits, truncate, extend, or splice. */
const corruption = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), tail: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), insert: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
);
type Corruption = typeof corruption extends fc.Arbitrary<infer C> ? C : never;

function corrupt(sealed: Buffer, c: Corruption): Buffer {
  const out = Buffer.from(sealed);
  switch (c.kind) {
    case 'flip': {
      const at = c.at % out.byteLength;
      out[at] = (out[at] as number) ^ c.mask;
      return out;
    }
    case 'truncate':
      return out.subarray(0, c.at % out.byteLength);
    case 'extend':
      return Buffer.concat([out, c.tail]);
    case 'splice': {
      const at = c.at % (out.byteLength + 1);
      return Buffer.concat([out.subarray(0, at), c.insert, out.subarray(at)]);
    }
  }
}

t.test('seal → openSeal gives back the plaintext, for both algorithms, any context, an older key', async (t) => {
  await checkProperty(
    t,
    fc.property(algorithm, purpose, bytes, context, (alg, p, plaintext, ctx) => {
      const sealed = seal(ring, p, plaintext, ctx, alg);
      const opened = openSeal(ring, p, sealed, ctx);
      if (!opened.ok || !opened.plaintext.equals(plaintext) || opened.renew) throw new Error('did not open to the plaintext');
      const viaRotation = openSeal(rotated, p, sealed, ctx);
      if (!viaRotation.ok || !viaRotation.plaintext.equals(plaintext) || !viaRotation.renew) throw new Error('older key did not open with renew');
      const text = sealToString(sealed);
      const back = sealFromString(text);
      if (back === undefined || !back.equals(sealed)) throw new Error('base64url round-trip failed');
    }),
    2000,
  );
});

t.test('a seal never opens under another key, purpose or context', async (t) => {
  await checkProperty(
    t,
    fc.property(algorithm, purpose, purpose, bytes, context, context, (alg, p, q, plaintext, ctx, ctx2) => {
      const sealed = seal(ring, p, plaintext, ctx, alg);
      if (openSeal(other, p, sealed, ctx).ok) throw new Error('opened with another secret');
      if (q !== p && openSeal(ring, q, sealed, ctx).ok) throw new Error('opened for another purpose');
      const same = (ctx === undefined ? 0 : ctx.byteLength) === 0 && (ctx2 === undefined ? 0 : ctx2.byteLength) === 0;
      if (!same && !(ctx !== undefined && ctx2 !== undefined && Buffer.from(ctx).equals(ctx2)) && openSeal(ring, p, sealed, ctx2).ok) {
        throw new Error('opened with another context');
      }
    }),
    2000,
  );
});

t.test('every corruption of a seal fails, as a result and not an exception', async (t) => {
  await checkProperty(
    t,
    fc.property(algorithm, purpose, bytes, context, fc.array(corruption, { minLength: 1, maxLength: 3 }), (alg, p, plaintext, ctx, cs) => {
      const sealed = seal(ring, p, plaintext, ctx, alg);
      let bad = sealed;
      for (const c of cs) bad = corrupt(bad, c);
      const opened = openSeal(ring, p, bad, ctx);
      if (opened.ok && !bad.equals(sealed)) throw new Error('a corrupted seal opened');
    }),
    3000,
  );
});

t.test('random bytes and random text never open', async (t) => {
  await checkProperty(
    t,
    fc.property(fc.uint8Array({ maxLength: 200 }), purpose, (raw, p) => {
      if (openSeal(ring, p, raw).ok) throw new Error('random bytes opened');
    }),
    3000,
  );
  await checkProperty(
    t,
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
      if (openEnvelope(ring, text).ok) throw new Error('random text opened');
    }),
    3000,
  );
  // Random text that is valid base64url and carries a real header (version, purpose, our key id).
  await checkProperty(
    t,
    fc.property(fc.constantFrom(1, 2), fc.constantFrom(SealPurpose.cookie, SealPurpose.pointer), fc.uint8Array({ maxLength: 200 }), (v, p, body) => {
      const header = Buffer.alloc(6);
      header[0] = v;
      header[1] = p;
      header.writeUInt32BE(ring.primary.kid, 2);
      if (openEnvelope(ring, sealToString(Buffer.concat([header, body]))).ok) throw new Error('a forged seal opened');
    }),
    3000,
  );
});

const sessionId = fc
  .record({ expiresAtMs: fc.integer({ min: 0, max: 9_999_999_999_000 }), sslOnly: fc.boolean() })
  .map(({ expiresAtMs, sslOnly }) => createSessionId(expiresAtMs, sslOnly));

/** Session meta as the plugin makes it (times in whole seconds where the layout keeps seconds). */
const meta = fc.record({
  lastActiveMs: fc.double(),
  rev: fc.nat({ max: 0xffff_ffff }),
  createdAtMs: fc.nat({ max: 0xffff_ffff }).map((s) => s * 1000),
  handle: fc.constant(null).map(() => newSessionHandle()),
  user: fc.option(fc.record({ id: fc.string({ minLength: 1, maxLength: 60 }), sinceMs: fc.nat({ max: 0xffff_ffff }).map((s) => s * 1000), seenAtMs: fc.nat({ max: 0xffff_ffff }).map((s) => s * 1000) }), { nil: undefined }),
  predecessor: fc.constant(undefined),
});

t.test('sealEnvelope → openEnvelope gives back id, meta and data', async (t) => {
  await checkProperty(
    t,
    fc.property(algorithm, sessionId, meta, fc.option(bytes, { nil: undefined }), (alg, id, m, data) => {
      const { lastActiveMs } = m;
      const value = sealEnvelope(ring, id, m, data, alg);
      if (!/^[A-Za-z0-9_-]+$/.test(value)) throw new Error('cookie value is not base64url');
      const opened = openEnvelope(ring, value);
      if (!opened.ok) throw new Error(`did not open: ${opened.reason}`);
      const env = opened.envelope;
      if (env.id !== id || !Object.is(env.lastActiveMs, lastActiveMs)) throw new Error('id or activity changed');
      const back = { rev: env.rev, createdAtMs: env.createdAtMs, handle: env.handle, user: env.user };
      if (JSON.stringify(back) !== JSON.stringify({ rev: m.rev, createdAtMs: m.createdAtMs, handle: m.handle, user: m.user })) throw new Error('meta changed');
      if (env.sslOnly !== (id[10] === 'S') || env.expiresAtMs !== Number(id.slice(0, 10)) * 1000) throw new Error('id info wrong');
      if ((data === undefined) !== (env.data === undefined)) throw new Error('tier changed');
      if (data !== undefined && !data.equals(env.data as Buffer)) throw new Error('data changed');
    }),
    2000,
  );
});

t.test('any text edit of a sealed cookie value is rejected unless it gives back the same text', async (t) => {
  await checkProperty(
    t,
    fc.property(algorithm, sessionId, fc.option(bytes, { nil: undefined }), fc.array(edit, { minLength: 1, maxLength: 4 }), (alg, id, data, edits) => {
      const value = sealEnvelope(ring, id, testMeta(1_764_000_000_000), data, alg);
      const mutated = applyEdits(value, edits);
      const opened = openEnvelope(ring, mutated);
      if (opened.ok && mutated !== value) throw new Error(`edited value accepted: ${JSON.stringify(edits)}`);
    }),
    3000,
  );
});

t.test('stored records are bound to their session id and never open as cookies', async (t) => {
  await checkProperty(
    t,
    fc.property(algorithm, sessionId, sessionId, bytes, (alg, id, otherId, data) => {
      const stored = sealRecord(ring, id, { ...testMeta(1), successor: undefined, data }, alg);
      const opened = openRecord(ring, id, stored);
      if (!opened.ok || !Buffer.from(opened.record.data).equals(data)) throw new Error('did not open for its own id');
      if (otherId !== id && openRecord(ring, otherId, stored).ok) throw new Error('opened for another id');
      if (openEnvelope(ring, sealToString(stored)).ok) throw new Error('a stored value opened as a cookie');
    }),
    2000,
  );
});
