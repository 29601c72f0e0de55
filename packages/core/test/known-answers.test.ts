/**
 * Known answers: seals made by an earlier build, kept here as text, must keep opening. A change to the key
 * derivation (salt, labels, key id) or to the seal layout (header, nonce, associated data) would make every
 * cookie and every stored session unreadable after an upgrade, logging everyone out; round-trip tests cannot
 * see such a change, because sealing and opening change together.
 */
import { Buffer } from 'node:buffer';
import t from 'tap';
import { KeyRing, openSeal, SealPurpose, sealFromString, type SealAlgorithm } from '../src/index.ts';

const SECRET = 'known-answer-secret-0123456789abcdefghij';
const OTHER = 'another-secret-for-rotation-0123456789abc';
/** A session id, the context a stored value is bound to. */
const CONTEXT = Buffer.from('1764000000_0123456789abcdef0123456789abcdef', 'latin1');

const SEALS: ReadonlyArray<{ algorithm: SealAlgorithm; purpose: number; context?: Buffer; text: string; plaintext: string }> = [
  {
    algorithm: 'xchacha20-poly1305',
    purpose: SealPurpose.cookie,
    text: 'AWPtSvw1na6qyL86ezBgkigDHjQ43mia7C3ay5NcsHMk_2sbl1RBWVUK0uF31c55kAI3dpy2uzfvTg-tGw',
    plaintext: 'known plaintext',
  },
  {
    algorithm: 'xchacha20-poly1305',
    purpose: SealPurpose.stored,
    context: CONTEXT,
    text: 'AXPtSvw1vJ6Qb5TijuINlqIRLQHesar8k3UesWrBNUhLa9DYkcaYO8Y382tSavhEYqLRRCTuZgO1Pbp64Lc',
    plaintext: 'stored plaintext',
  },
  {
    algorithm: 'aes-256-gcm',
    purpose: SealPurpose.cookie,
    text: 'AmPtSvw1uMIdP2qhtx2Zw-nOa2d4AHT1jjsxp5FwGZByyGWmo4Dh63kCdCzsUt_9Mw',
    plaintext: 'known plaintext',
  },
  {
    algorithm: 'aes-256-gcm',
    purpose: SealPurpose.stored,
    context: CONTEXT,
    text: 'AnPtSvw10_1Wm2BNsRCuRpWILBoDpTawTx4RqoVT1hJU2MqtqZOSKIWao5tbl1R6TnI',
    plaintext: 'stored plaintext',
  },
];

t.test('key ids derived from a secret do not change between builds', async (t) => {
  t.equal(new KeyRing(SECRET).primary.kid, 3_981_114_421, 'a string secret');
  t.equal(new KeyRing(Buffer.alloc(32, 7)).primary.kid, 2_165_919_656, 'a byte secret');
  const view = Buffer.alloc(64, 9);
  view.fill(7, 16, 48);
  t.equal(new KeyRing(view.subarray(16, 48)).primary.kid, 2_165_919_656, 'a view into a larger buffer: only its own bytes count');
  t.equal(new KeyRing(new Uint8Array(32).fill(7)).primary.kid, 2_165_919_656, 'a plain Uint8Array');
});

for (const known of SEALS) {
  const label = `${known.algorithm}, ${known.purpose === SealPurpose.stored ? 'stored value bound to a session id' : 'cookie'}`;
  t.test(`a seal made by an earlier build opens: ${label}`, async (t) => {
    const sealed = sealFromString(known.text);
    t.ok(sealed !== undefined, 'strict base64url');
    if (sealed === undefined) return;
    t.equal(sealed[0], known.algorithm === 'aes-256-gcm' ? 2 : 1, 'the version byte names the algorithm');
    const opened = openSeal(new KeyRing(SECRET), known.purpose as SealPurpose, sealed, known.context);
    t.same(opened.ok ? { text: opened.plaintext.toString('utf8'), renew: opened.renew } : opened, { text: known.plaintext, renew: false });
    const rotated = openSeal(new KeyRing([OTHER, SECRET]), known.purpose as SealPurpose, sealed, known.context);
    t.same(rotated.ok ? { text: rotated.plaintext.toString('utf8'), renew: rotated.renew } : rotated, { text: known.plaintext, renew: true }, 'with an older key: opens, asks to renew');
    if (known.context !== undefined) {
      t.same(openSeal(new KeyRing(SECRET), known.purpose as SealPurpose, sealed), { ok: false, reason: 'forged' }, 'not without its context');
      t.same(openSeal(new KeyRing(SECRET), known.purpose as SealPurpose, sealed, new Uint8Array(0)), { ok: false, reason: 'forged' }, 'nor with an empty one');
    } else {
      t.same(openSeal(new KeyRing(SECRET), known.purpose as SealPurpose, sealed, CONTEXT), { ok: false, reason: 'forged' }, 'not with a context it was not made with');
      const emptyContext = openSeal(new KeyRing(SECRET), known.purpose as SealPurpose, sealed, new Uint8Array(0));
      t.equal(emptyContext.ok, true, 'an empty context is no context');
    }
  });
}
