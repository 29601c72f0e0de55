/**
 * Properties of cookie-header handling: chunk splitting and joining (@gaes/core), and the plugin fed
 * random Cookie headers through `app.inject` — random bytes, edits of issued cookies, chunks reordered,
 * duplicated, dropped, re-split or mixed between sessions. The plugin must always answer 200 on a plain
 * route, and accept a session only when the sealed value it joins is byte-identical to one it issued,
 * and then serve that session's own data.
 */
import { chunkedSetCookies, MAX_COOKIE_CHUNKS, MAX_SET_COOKIE_BYTES, readChunkedCookie } from '@gaes/core';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { parseCookie as parseCookies } from 'cookie';
import t from 'tap';
import { applyEdits, checkProperty, cookieChar, edit } from './fuzz-support.ts';
import { buildApp, CookieJar, countingKeyv } from './helpers/app.ts';

const base64url = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
  minLength: 1,
  maxLength: 400,
});

/** The cookies a browser would send back for a list of Set-Cookie headers. */
function cookiesOf(headers: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers) {
    const pair = h.slice(0, h.indexOf(';') === -1 ? h.length : h.indexOf(';'));
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

t.test('chunkedSetCookies → readChunkedCookie gives back the value; every header fits 4096 bytes', async (t) => {
  await checkProperty(
    t,
    fc.property(
      base64url,
      fc.integer({ min: 1, max: 90_000 }),
      fc.string({ minLength: 0, maxLength: 300 }),
      fc.constantFrom('gaes', 's', 'a-much-longer-cookie-name-for-sessions'),
      (seed, length, attrs, name) => {
        const value = seed.repeat(Math.ceil(length / seed.length)).slice(0, length);
        const attributes = `; Path=/${attrs.replace(/[;\s]/g, '')}; HttpOnly`;
        const headers = chunkedSetCookies(name, value, attributes);
        if (headers.length > MAX_COOKIE_CHUNKS) throw new Error(`${headers.length} chunks`);
        for (const h of headers) if (Buffer.byteLength(h) > MAX_SET_COOKIE_BYTES) throw new Error(`header of ${h.length} bytes`);
        const read = readChunkedCookie(cookiesOf(headers), name);
        if (read.value !== value) throw new Error('value changed');
        if (read.present !== headers.length) throw new Error(`present ${read.present} of ${headers.length}`);
      },
    ),
    300,
  );
});

t.test('readChunkedCookie on random cookie records never throws and only joins what is there', async (t) => {
  const record = fc.dictionary(
    fc.oneof(fc.constantFrom('gaes0', 'gaes1', 'gaes2', 'gaes3', 'gaes63', 'gaes64', 'gaes999999', 'gaes', 'gaes00', 'gaes-1'), fc.string({ maxLength: 8 })),
    fc.oneof(fc.string({ unit: cookieChar, maxLength: 12 }), fc.constantFrom('2.ab', '3.x', '64.y', '65.z', '99.', '1.a', '0.a', '.a', '+2.a', '02.a')),
    { maxKeys: 8 },
  );
  await checkProperty(
    t,
    fc.property(record, (cookies) => {
      const read = readChunkedCookie(cookies, 'gaes');
      if (read.value === undefined) return;
      const first = cookies.gaes0 as string;
      const dot = first.indexOf('.');
      if (dot === -1) {
        if (read.value !== first) throw new Error('single chunk changed');
        return;
      }
      const count = Number(first.slice(0, dot));
      let joined = first.slice(dot + 1);
      for (let i = 1; i < count; i++) {
        const chunk = cookies[`gaes${i}`];
        if (chunk === undefined) throw new Error(`joined a missing chunk ${i}`);
        joined += chunk;
      }
      if (read.value !== joined) throw new Error('joined value differs');
    }),
    5000,
  );
});

interface Issued {
  readonly label: string;
  readonly id: string;
  readonly user: string;
  /** The cookies as the server set them, in order `gaes0, gaes1, …`. */
  readonly pairs: ReadonlyArray<readonly [string, string]>;
  /** The sealed value they join to. */
  readonly joined: string;
}

async function issue(app: FastifyInstance, label: string, user: string, blobBytes: number): Promise<Issued> {
  const jar = new CookieJar();
  const res = await app.inject({ method: 'POST', url: '/set', payload: { user, blob: 'b'.repeat(blobBytes) } });
  jar.apply(res);
  const pairs = [...jar.cookies].sort(([a], [b]) => Number(a.slice(4)) - Number(b.slice(4)));
  const joined = readChunkedCookie(Object.fromEntries(pairs), 'gaes').value as string;
  return { label, id: res.json().id as string, user, pairs, joined };
}

type Pair = readonly [string, string];

/** One change to a list of cookie pairs. */
const pairOp = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('edit' as const), at: fc.nat(), edits: fc.array(edit, { minLength: 1, maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('swap-from' as const), at: fc.nat(), from: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('shuffle' as const), seed: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), to: fc.nat(), edits: fc.array(edit, { maxLength: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('junk' as const),
      at: fc.nat(),
      name: fc.oneof(fc.constantFrom('gaes0', 'gaes1', 'gaes2', 'gaes5', 'gaes63', 'gaes64', 'gaes999999', 'gaes', 'GAES0', 'gaes00', 'gaes-1', ' gaes0'), fc.string({ maxLength: 6 })),
      value: fc.string({ unit: cookieChar, maxLength: 40 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('rechunk' as const), from: fc.nat(), cuts: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), prefix: fc.constantFrom('', '+', '0') }) },
);
type PairOp = typeof pairOp extends fc.Arbitrary<infer O> ? O : never;

function apply(pairs: Pair[], op: PairOp, sessions: readonly Issued[]): Pair[] {
  const at = (n: number, extra = 0): number => (pairs.length + extra === 0 ? 0 : n % (pairs.length + extra));
  const out = [...pairs];
  switch (op.op) {
    case 'edit': {
      if (out.length === 0) return out;
      const i = at(op.at);
      const [name, value] = out[i] as Pair;
      out[i] = [name, applyEdits(value, op.edits)];
      return out;
    }
    case 'swap-from': {
      if (out.length === 0) return out;
      const i = at(op.at);
      const donor = sessions[op.from % sessions.length] as Issued;
      const name = (out[i] as Pair)[0];
      const replacement = donor.pairs.find(([n]) => n === name) ?? donor.pairs[0];
      out[i] = replacement as Pair;
      return out;
    }
    case 'shuffle': {
      let s = op.seed;
      for (let i = out.length - 1; i > 0; i--) {
        s = (s * 1103515245 + 12345) % 2147483648;
        const j = s % (i + 1);
        [out[i], out[j]] = [out[j] as Pair, out[i] as Pair];
      }
      return out;
    }
    case 'duplicate': {
      if (out.length === 0) return out;
      const [name, value] = out[at(op.at)] as Pair;
      out.splice(at(op.to, 1), 0, [name, applyEdits(value, op.edits)]);
      return out;
    }
    case 'drop':
      if (out.length > 0) out.splice(at(op.at), 1);
      return out;
    case 'junk':
      out.splice(at(op.at, 1), 0, [op.name, op.value]);
      return out;
    case 'rechunk': {
      // The same sealed value split differently: a client may do this; it is still the issued seal.
      const donor = sessions[op.from % sessions.length] as Issued;
      const cuts = [...new Set(op.cuts.map((c) => c % donor.joined.length))].filter((c) => c > 0).sort((a, b) => a - b);
      if (cuts.length === 0) return out;
      const parts: string[] = [];
      let prev = 0;
      for (const c of [...cuts, donor.joined.length]) {
        parts.push(donor.joined.slice(prev, c));
        prev = c;
      }
      return parts.map((p, i): Pair => [`gaes${i}`, i === 0 ? `${op.prefix}${parts.length}.${p}` : p]);
    }
  }
}

t.test('the plugin under random and mutated Cookie headers', async (t) => {
  const { keyv } = countingKeyv();
  const app = await buildApp({ cache: keyv }, {}, (app) => {
    app.get('/probe', async (req) => ({ active: req.session.isActive(), id: req.session.id ?? null, user: req.session.get('user') ?? null }));
  });
  const sessions = [
    await issue(app, 'small cookie', 'alice', 10),
    await issue(app, 'chunked cookie', 'bob', 9000),
    await issue(app, 'server-side', 'carol', 20_000),
    await issue(app, 'small cookie 2', 'dave', 50),
  ];
  t.ok((sessions[1]?.pairs.length ?? 0) >= 3, 'a session over several chunks');
  t.equal(sessions[2]?.pairs.length, 1, 'a pointer session');
  const byJoined = new Map(sessions.map((s) => [s.joined, s]));
  let accepted = 0;
  let total = 0;

  async function check(header: string): Promise<void> {
    total++;
    const res = await app.inject({ url: '/probe', headers: { cookie: header } });
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode} for ${JSON.stringify(header.slice(0, 200))}: ${res.body}`);
    const state = res.json() as { active: boolean; id: string | null; user: string | null };
    if (!state.active) return;
    accepted++;
    const joined = readChunkedCookie(parseCookieHeader(header), 'gaes').value;
    const issued = joined === undefined ? undefined : byJoined.get(joined);
    if (issued === undefined) throw new Error(`accepted a value that was never issued: ${JSON.stringify(header.slice(0, 200))}`);
    if (state.id !== issued.id || state.user !== issued.user) throw new Error(`served ${state.user} for ${issued.label}`);
  }

  /** A write with a hostile header lands in the session it opened, or in a brand-new one: never another's. */
  async function checkWrite(header: string): Promise<void> {
    const res = await app.inject({ method: 'POST', url: '/set', payload: { touched: true }, headers: { cookie: header } });
    if (res.statusCode !== 200) throw new Error(`write: status ${res.statusCode} for ${JSON.stringify(header.slice(0, 200))}`);
    const id = res.json().id as string;
    const joined = readChunkedCookie(parseCookieHeader(header), 'gaes').value;
    const opened = joined === undefined ? undefined : byJoined.get(joined);
    const owner = sessions.find((s) => s.id === id);
    if (owner !== undefined && owner !== opened) throw new Error(`a write went to ${owner.label}'s session`);
  }

  /** An independent reading of a Cookie header (the `cookie` package, which @fastify/cookie uses), as the oracle. */
function parseCookieHeader(header: string): Record<string, string | undefined> {
  return parseCookies(header);
}

const separator = fc.constantFrom('; ', ';', ' ; ', ';\t', ';;');
  await checkProperty(
    t,
    fc.asyncProperty(
      fc.nat({ max: sessions.length - 1 }),
      fc.array(pairOp, { minLength: 1, maxLength: 4 }),
      separator,
      fc.nat({ max: 9 }),
      async (which, ops, sep, route) => {
        let pairs: Pair[] = [...(sessions[which] as Issued).pairs];
        for (const op of ops) pairs = apply(pairs, op, sessions);
        const header = pairs.map(([n, v]) => `${n}=${v}`).join(sep);
        await check(header);
        if (route === 0) await checkWrite(header);
        if (route === 1) {
          const plain = await app.inject({ url: '/untouched', headers: { cookie: header } });
          if (plain.statusCode !== 200) throw new Error(`untouched route: status ${plain.statusCode}`);
        }
      },
    ),
    3000,
  );
  await checkProperty(
    t,
    fc.asyncProperty(fc.string({ unit: cookieChar, maxLength: 300 }), fc.boolean(), async (raw, prefixed) => {
      await check(prefixed ? `gaes0=${raw}` : raw);
    }),
    1500,
  );
  t.ok(total > 0 && accepted > 0, `${accepted} of ${total} headers accepted, each the byte-identical issued seal`);
  for (const s of sessions) await check(s.pairs.map(([n, v]) => `${n}=${v}`).join('; '));
});
