import { Buffer } from 'node:buffer';
import t from 'tap';
import { openEnvelope, sealEnvelope } from '../src/envelope.ts';
import { openRecord, sealRecord } from '../src/record.ts';
import { testMeta } from './helpers/meta.ts';
import { KeyRing } from '../src/keyring.ts';
import { openSeal, seal, SealPurpose, sealFromString, sealToString, type SealAlgorithm } from '../src/seal.ts';
import { createSessionId } from '../src/session-id.ts';

const A = 'secret-A-'.padEnd(40, 'a');
const B = 'secret-B-'.padEnd(40, 'b');
const algorithms: SealAlgorithm[] = ['xchacha20-poly1305', 'aes-256-gcm'];

for (const algorithm of algorithms) {
  t.test(`${algorithm}: seal and open`, async (t) => {
    const ring = new KeyRing(A);
    const msg = Buffer.from('hello session');
    const sealed = seal(ring, SealPurpose.cookie, msg, undefined, algorithm);
    t.equal(sealed[0], algorithm === 'aes-256-gcm' ? 2 : 1, 'version byte names the algorithm');
    t.equal(sealed.readUInt32BE(2), ring.primary.kid, 'key id readable before decryption');
    const opened = openSeal(ring, SealPurpose.cookie, sealed);
    t.ok(opened.ok);
    if (opened.ok) {
      t.equal(opened.plaintext.toString(), 'hello session');
      t.equal(opened.renew, false);
    }
    t.not(seal(ring, SealPurpose.cookie, msg, undefined, algorithm).toString('hex'), sealed.toString('hex'), 'fresh nonce per seal');
  });

  t.test(`${algorithm}: every single-byte mutation and every truncation is rejected`, async (t) => {
    const ring = new KeyRing(A);
    const sealed = seal(ring, SealPurpose.cookie, Buffer.from('{"userId":"u1","counter":1}'), undefined, algorithm);
    let accepted = 0;
    for (let i = 0; i < sealed.length; i++) {
      for (let flip = 1; flip <= 0xff; flip++) {
        const copy = Buffer.from(sealed);
        copy[i] = (copy[i] as number) ^ flip;
        if (openSeal(ring, SealPurpose.cookie, copy).ok) accepted++;
      }
    }
    for (let n = 0; n < sealed.length; n++) {
      if (openSeal(ring, SealPurpose.cookie, sealed.subarray(0, n)).ok) accepted++;
    }
    if (openSeal(ring, SealPurpose.cookie, Buffer.concat([sealed, Buffer.from([0])])).ok) accepted++;
    t.equal(accepted, 0);
  });

  t.test(`${algorithm}: purpose, key and context are bound`, async (t) => {
    const ring = new KeyRing(A);
    const sealed = seal(ring, SealPurpose.stored, Buffer.from('x'), Buffer.from('ctx-1'), algorithm);
    t.same(openSeal(ring, SealPurpose.cookie, sealed), { ok: false, reason: 'wrong-purpose' });
    t.same(openSeal(ring, SealPurpose.stored, sealed, Buffer.from('ctx-2')), { ok: false, reason: 'forged' });
    t.same(openSeal(new KeyRing(B), SealPurpose.stored, sealed, Buffer.from('ctx-1')), { ok: false, reason: 'unknown-key' });
    const retagged = Buffer.from(sealed);
    retagged[1] = SealPurpose.cookie;
    t.same(openSeal(ring, SealPurpose.cookie, retagged, Buffer.from('ctx-1')), { ok: false, reason: 'forged' });
  });
}

t.test('unknown versions and garbage are results, not exceptions', async (t) => {
  const ring = new KeyRing(A);
  const sealed = seal(ring, SealPurpose.cookie, Buffer.from('x'));
  const v9 = Buffer.from(sealed);
  v9[0] = 9;
  t.same(openSeal(ring, SealPurpose.cookie, v9), { ok: false, reason: 'unknown-version' });
  t.same(openSeal(ring, SealPurpose.cookie, Buffer.alloc(0)), { ok: false, reason: 'malformed' });
  t.same(openSeal(ring, SealPurpose.cookie, Buffer.alloc(5)), { ok: false, reason: 'malformed' });
});

t.test('key rotation: A → [B, A] opens old seals and asks to renew', async (t) => {
  const before = new KeyRing(A);
  const after = new KeyRing([B, A]);
  const old = seal(before, SealPurpose.cookie, Buffer.from('data'));
  const opened = openSeal(after, SealPurpose.cookie, old);
  t.ok(opened.ok && opened.renew, 'opened with the older key: renew');
  const fresh = seal(after, SealPurpose.cookie, Buffer.from('data'));
  t.equal(fresh.readUInt32BE(2), after.primary.kid);
  const reopened = openSeal(after, SealPurpose.cookie, fresh);
  t.ok(reopened.ok && !reopened.renew);
  t.same(openSeal(before, SealPurpose.cookie, fresh), { ok: false, reason: 'unknown-key' });
});

t.test('cookie strings: strict base64url', async (t) => {
  const ring = new KeyRing(A);
  const text = sealToString(seal(ring, SealPurpose.cookie, Buffer.from('abc')));
  t.ok(sealFromString(text));
  t.equal(sealFromString(''), undefined);
  t.equal(sealFromString(`${text}=`), undefined, 'padding');
  t.equal(sealFromString(`${text.slice(0, 10)} ${text.slice(10)}`), undefined, 'stray space');
  t.equal(sealFromString(`${text.slice(0, 10)}+${text.slice(11)}`), undefined, 'base64 (not url) alphabet');
  // A last character that differs only in unused low bits decodes to the same bytes: refused.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let aliases = 0;
  for (const c of alphabet) {
    const variant = text.slice(0, -1) + c;
    if (variant !== text && sealFromString(variant) !== undefined) {
      const bytes = sealFromString(variant) as Buffer;
      if (bytes.equals(sealFromString(text) as Buffer)) aliases++;
    }
  }
  t.equal(aliases, 0, 'no two strings decode to the same seal');
});

t.test('envelopes: cookie data and pointers open; no single-character substitution or truncation of a cookie does', async (t) => {
  const ring = new KeyRing(A);
  const id = createSessionId(Date.now() + 60_000, false);
  const cookie = sealEnvelope(ring, id, testMeta(1234), Buffer.from('\x01{"a":1}'));
  const opened = openEnvelope(ring, cookie);
  t.ok(opened.ok);
  if (opened.ok) {
    t.equal(opened.envelope.id, id);
    t.equal(opened.envelope.lastActiveMs, 1234);
    t.equal(opened.envelope.data?.toString(), '\x01{"a":1}');
  }
  const pointer = sealEnvelope(ring, id, testMeta(1234), undefined);
  const p = openEnvelope(ring, pointer);
  t.ok(p.ok && p.envelope.data === undefined);
  t.equal(pointer.charAt(1), 'T', 'pointer cookies are recognisable from their second character');
  t.equal(cookie.charAt(1), 'U');

  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
  let accepted = 0;
  let tried = 0;
  for (let i = 0; i < cookie.length; i++) {
    for (const c of alphabet) {
      if (c === cookie[i]) continue;
      tried++;
      if (openEnvelope(ring, cookie.slice(0, i) + c + cookie.slice(i + 1)).ok) accepted++;
    }
  }
  for (let n = 0; n < cookie.length; n++) if (openEnvelope(ring, cookie.slice(0, n)).ok) accepted++;
  t.equal(accepted, 0, `none of ${tried} mutations and ${cookie.length} truncations accepted`);
});

t.test('stored values are bound to their session id', async (t) => {
  const ring = new KeyRing(A);
  const id1 = createSessionId(Date.now() + 60_000, false);
  const id2 = createSessionId(Date.now() + 60_000, false);
  const stored = sealRecord(ring, id1, { ...testMeta(1), successor: undefined, data: Buffer.from('payload') });
  const ok = openRecord(ring, id1, stored);
  t.ok(ok.ok && Buffer.from(ok.record.data).toString() === 'payload');
  t.same(openRecord(ring, id2, stored), { ok: false, reason: 'forged' });
  const asCookie = sealToString(stored);
  t.notOk(openEnvelope(ring, asCookie).ok, 'a stored value is not a cookie');
});

t.test('pointer cookies are told from cookie-tier ones without decoding, for both versions', async (t) => {
  const { cookieMayBePointer } = await import('../src/envelope.ts');
  const ring = new KeyRing(A);
  const id = createSessionId(Date.now() + 60_000, false);
  for (const algorithm of algorithms) {
    const pointer = sealEnvelope(ring, id, testMeta(1), undefined, algorithm);
    const withData = sealEnvelope(ring, id, testMeta(1), Buffer.from('\x01{}'), algorithm);
    t.ok(cookieMayBePointer(pointer), `${algorithm} pointer`);
    t.notOk(cookieMayBePointer(withData), `${algorithm} cookie tier`);
    t.ok(cookieMayBePointer(`2.${pointer}`), 'after a chunk count');
    t.ok(cookieMayBePointer('2.A'), 'too short to tell after a chunk count: maybe');
    t.notOk(cookieMayBePointer('A'), 'too short and unchunked: no');
    t.ok(cookieMayBePointer(`${pointer.slice(0, 2)}%%% not base64`), 'only the leading characters are read: the rest is not decoded');
    t.notOk(cookieMayBePointer(`${withData.slice(0, 2)}%%% not base64`));
  }
});
