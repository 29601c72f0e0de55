/**
 * Session meta at its edges, through the envelope functions: derived handles and lineage tags that must not
 * change between builds, the longest user id, handles and tags of the wrong size, and envelopes whose meta
 * flags or user part do not add up.
 */
import { Buffer } from 'node:buffer';
import t from 'tap';
import {
  assertUserId,
  createSessionId,
  isSessionHandle,
  KeyRing,
  legacySessionHandle,
  lineageTag,
  newSessionHandle,
  openEnvelope,
  openSeal,
  seal,
  SealPurpose,
  sealEnvelope,
  sealFromString,
  sealToString,
  type SessionMeta,
} from '../src/index.ts';
import { testMeta } from './helpers/meta.ts';

const ring = new KeyRing('meta-edges-secret-0123456789abcdefghijklmno');
const ID = '1764000000_0123456789abcdef0123456789abcdef';

t.test('derived handles and lineage tags do not change between builds', async (t) => {
  // A session sealed before handles existed is named by this handle in user listings; a regenerated one
  // recognises its predecessor by this tag. Both are kept by browsers and stores across upgrades.
  t.equal(legacySessionHandle(ID), 'uwzS3aoMOReimQG9GcPrhA');
  t.equal(lineageTag(ID), 'dw2C4Q7RcTU');
});

t.test('a handle is a string of 22 base64url characters; a user id has at most 255 bytes', async (t) => {
  const handle = newSessionHandle();
  t.ok(isSessionHandle(handle));
  t.notOk(isSessionHandle(new String(handle)), 'a String object is not a handle');
  t.notOk(isSessionHandle({ length: 22, toString: () => handle }), 'nor anything else that prints like one');
  t.doesNotThrow(() => assertUserId('u'.repeat(255)), '255 bytes');
  t.throws(() => assertUserId('u'.repeat(256)), { code: 'ERR_GAES_CONFIG' }, '256 bytes');
});

t.test('a handle or lineage tag of the wrong size is never sealed', async (t) => {
  for (const handle of ['', 'AAAA', 'A'.repeat(30)]) {
    t.throws(() => sealEnvelope(ring, ID, testMeta(1, { handle }), undefined), TypeError, `handle ${JSON.stringify(handle)}`);
  }
  for (const tag of ['', 'AAAA', 'A'.repeat(20)]) {
    t.throws(() => sealEnvelope(ring, ID, testMeta(1, { predecessor: { tag, id: undefined, untilMs: 0 } }), undefined), TypeError, `tag ${JSON.stringify(tag)}`);
  }
});

/** The plaintext of a genuine layout-2 pointer with `meta`, and a function that reseals a changed copy and opens it. */
function pointerPlaintext(meta: SessionMeta): { plaintext: Buffer; reopen: (changed: Buffer) => ReturnType<typeof openEnvelope> } {
  const id = createSessionId(Date.now() + 60_000, false);
  const opened = openSeal(ring, SealPurpose.pointerV2, sealFromString(sealEnvelope(ring, id, meta, undefined)) as Buffer);
  if (!opened.ok) throw new Error(opened.reason);
  return { plaintext: opened.plaintext, reopen: (changed) => openEnvelope(ring, sealToString(seal(ring, SealPurpose.pointerV2, changed))) };
}

// The meta's flags byte follows the id (43), lastActiveMs (8), rev (4), createdAt (4) and the handle (16).
const FLAGS_AT = 43 + 8 + 4 + 4 + 16;

t.test('meta flags that do not add up, or a user part cut short, make the envelope malformed', async (t) => {
  const malformed = { ok: false, reason: 'malformed' };
  const bare = pointerPlaintext(testMeta(1));
  t.ok(bare.reopen(bare.plaintext).ok, 'control: resealed unchanged, it opens');
  const predecessorIdOnly = Buffer.from(bare.plaintext);
  predecessorIdOnly[FLAGS_AT] = 0x04;
  t.same(bare.reopen(predecessorIdOnly), malformed, "the flag of a predecessor's id without the flag of a predecessor");
  const withUser = pointerPlaintext(testMeta(1, { user: { id: 'user-1', sinceMs: 1, seenAtMs: 0 } }));
  t.ok(withUser.reopen(withUser.plaintext).ok, 'control: a user-bound pointer opens');
  const emptyUser = Buffer.from(withUser.plaintext);
  emptyUser[FLAGS_AT + 1] = 0;
  t.same(withUser.reopen(emptyUser), malformed, 'a user id of length 0');
  for (const cut of [1, 4, 10]) t.same(withUser.reopen(withUser.plaintext.subarray(0, withUser.plaintext.byteLength - cut)), malformed, `the user part ${cut} bytes short`);
});

t.test('a pointer whose meta ends exactly where its predecessor ends opens', async (t) => {
  for (const predecessor of [
    { tag: lineageTag(ID), id: undefined, untilMs: 0 },
    { tag: lineageTag(ID), id: createSessionId(1e12, false), untilMs: 1_764_000_010_000 },
  ]) {
    const id = createSessionId(Date.now() + 60_000, false);
    const opened = openEnvelope(ring, sealEnvelope(ring, id, testMeta(1, { predecessor }), undefined));
    t.ok(opened.ok, predecessor.id === undefined ? 'a predecessor tag' : 'a predecessor tag and id');
    if (opened.ok) t.same(opened.envelope.predecessor, predecessor);
  }
});
