// The read → state → save path without Fastify: `readIncoming` judges the cookies, `SessionState` holds what a
// request did, `saveSession` turns it into store writes and Set-Cookie headers. No app, no hooks, no HTTP.
import { decodeSessionData, EnvelopeCache, type SessionEnvelope } from '@gaes/core';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { ChangeLevel } from '../src/changes.ts';
import { loadServerSide } from '../src/load.ts';
import { readIncoming, type Incoming, type Presence } from '../src/incoming.ts';
import type { GaesSessionOptions } from '../src/options.ts';
import { resolveOptions } from '../src/resolve-options.ts';
import { saveSession, type SaveResult } from '../src/save.ts';
import type { SessionContext } from '../src/session-context.ts';
import { SessionState } from '../src/session-state.ts';
import { cookieSettings } from '../src/startup-checks.ts';
import { buildStores } from '../src/stores.ts';
import { RevocationFeed } from '../src/users/revocation-feed.ts';
import { SeenLog } from '../src/users/seen-log.ts';
import { CookieJar, CountingStore, SECRET_A } from './helpers/app.ts';
import { Keyv } from 'keyv';

const T0 = Date.UTC(2026, 0, 1);

/** A logger that keeps its debug lines (the save's only way of saying it dropped something). */
function memoryLogger(): FastifyBaseLogger & { readonly debugs: string[] } {
  const debugs: string[] = [];
  const noop = (): void => {};
  const logger = {
    level: 'debug',
    debugs,
    fatal: noop,
    error: noop,
    warn: noop,
    info: noop,
    trace: noop,
    silent: noop,
    debug: (obj: unknown, msg?: string) => {
      debugs.push(typeof obj === 'string' ? obj : (msg ?? ''));
    },
    child: () => logger,
  };
  return logger as unknown as FastifyBaseLogger & { readonly debugs: string[] };
}

interface Harness {
  readonly ctx: SessionContext;
  readonly log: ReturnType<typeof memoryLogger>;
  now: number;
  read(cookies: Record<string, string> | undefined, revoked?: (e: SessionEnvelope) => boolean): Incoming;
  save(state: SessionState, present?: Presence, userAgent?: string): Promise<SaveResult>;
}

async function harness(t: Test, input: Partial<GaesSessionOptions> = {}): Promise<Harness> {
  const clock = { now: T0 };
  const opts = resolveOptions({ secret: SECRET_A, now: () => clock.now, ...input } as GaesSessionOptions);
  const log = memoryLogger();
  const { store, directory, breakers } = await buildStores(opts, log);
  const feed = new RevocationFeed({ directory, intervalMs: opts.revocationPollMs, now: opts.now, log });
  t.teardown(() => {
    feed.stop();
    for (const breaker of breakers) breaker.close();
  });
  const cookies = cookieSettings({ log } as unknown as FastifyInstance, opts);
  const ctx: SessionContext = { opts, store, envelopes: new EnvelopeCache(0), cookies, onGoogleCloud: false, users: { directory, feed, seen: new SeenLog(opts.userSeenIntervalMs) } };
  return {
    ctx,
    log,
    get now() {
      return clock.now;
    },
    set now(ms: number) {
      clock.now = ms;
    },
    read: (jar, revoked) =>
      readIncoming(jar, {
        names: cookies.names,
        ring: opts.keyring.current(),
        envelopes: ctx.envelopes,
        rule: opts,
        nowMs: clock.now,
        https: false,
        revocations: revoked === undefined ? undefined : { isRevoked: revoked },
      }),
    save: (state, present = [0, 0], userAgent = 'test') => saveSession(state, ctx, { https: false, present, log, userAgent }),
  };
}

/** The cookies a browser holds after receiving these Set-Cookie headers. */
function jarOf(headers: readonly string[]): Record<string, string> {
  const jar = new CookieJar();
  jar.apply({ headers: { 'set-cookie': headers } });
  return Object.fromEntries(jar.cookies);
}

/** A new session holding `data`, as a request that set each key. */
function newSession(h: Harness, data: Record<string, unknown>): SessionState {
  const state = new SessionState();
  state.startNew(h.now, h.ctx.opts.lifetimeMs, false);
  for (const [key, value] of Object.entries(data)) {
    (state.data as Record<string, unknown>)[key] = value;
    state.changes.touch(key, ChangeLevel.durable);
  }
  return state;
}

/** The state a later request starts from with these cookies. */
function adopt(h: Harness, jar: Record<string, string>): SessionState {
  const incoming = h.read(jar);
  if (incoming.kind !== 'valid') throw new Error(`expected a valid cookie, got ${incoming.kind}`);
  const state = new SessionState();
  state.adoptEnvelope(incoming.envelope, incoming.slot, incoming.renew, incoming.text);
  if (incoming.loser !== undefined) state.clearSlot(incoming.loser);
  return state;
}

/** Decodes the data a cookie carried, as the facade does before anything that needs it (`regenerateId` too). */
function decode(state: SessionState): SessionState {
  if (state.pending !== undefined) state.data = decodeSessionData(state.pending.bytes);
  return state;
}

t.test('no cookie reads as none; a new small session saves as one sealed cookie in the first slot', async (t) => {
  const h = await harness(t);
  t.same(h.read(undefined), { kind: 'none' });
  t.same(h.read({ other: 'x' }), { kind: 'none' }, "another app's cookie is not a session");
  const state = newSession(h, { cart: [1, 2] });
  const result = await h.save(state);
  t.equal(result.tier, 'cookie');
  t.equal(result.cookies, 1);
  t.equal(result.headers.length, 1);
  t.match(result.headers[0], /^gaes0=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
  const incoming = h.read(jarOf(result.headers));
  t.equal(incoming.kind, 'valid');
  if (incoming.kind !== 'valid') return;
  t.equal(incoming.slot, 0);
  t.equal(incoming.envelope.id, state.id, 'the cookie carries the id');
  t.same(decodeSessionData(incoming.envelope.data as Buffer), { cart: [1, 2] }, 'and the data');
});

t.test('a session nothing changed in saves nothing', async (t) => {
  const h = await harness(t);
  const jar = jarOf((await h.save(newSession(h, { a: 1 }))).headers);
  const state = adopt(h, jar);
  t.notOk(state.mustWrite);
  const result = await h.save(state, [1, 0]);
  t.same(result.headers, [], 'no Set-Cookie');
  t.equal(result.tier, 'cookie');
});

t.test('regenerate: the new id goes to the other slot, the old slot is cleared, and a reader given both keeps the new one', async (t) => {
  const h = await harness(t);
  const old = jarOf((await h.save(newSession(h, { a: 1 }))).headers);
  const state = decode(adopt(h, old));
  const oldId = state.id;
  state.regenerate(h.now, h.ctx.opts.regenerateGraceMs, true);
  const result = await h.save(state, [1, 0]);
  t.equal(result.headers.length, 2);
  t.match(result.headers[0], /^gaes_0=[^;]+; Max-Age=\d+;/, 'the new session in the second slot');
  t.match(result.headers[1], /^gaes0=; Max-Age=0;/, 'the old slot cleared');
  const fresh = jarOf(result.headers.slice(0, 1));
  // A request in flight during the login re-set the old cookie: the browser holds both.
  const both = h.read({ ...old, ...fresh });
  t.equal(both.kind, 'valid');
  if (both.kind !== 'valid') return;
  t.equal(both.slot, 1, 'the cookie that names the other as its predecessor wins');
  t.equal(both.loser, 0, 'and the stale one is to be cleared');
  t.not(both.envelope.id, oldId);
  t.same(decodeSessionData(both.envelope.data as Buffer), { a: 1 }, 'keepData (the default) carries the data');
});

t.test('regenerate with keepData false starts the new id empty', async (t) => {
  const h = await harness(t);
  const state = decode(adopt(h, jarOf((await h.save(newSession(h, { planted: 'x' }))).headers)));
  state.regenerate(h.now, h.ctx.opts.regenerateGraceMs, false);
  const incoming = h.read(jarOf((await h.save(state, [1, 0])).headers.slice(0, 1)));
  t.equal(incoming.kind, 'valid');
  if (incoming.kind === 'valid') t.same(decodeSessionData(incoming.envelope.data as Buffer), {});
});

t.test('rejected cookies: forged, expired, revoked; the save clears what the browser holds', async (t) => {
  const h = await harness(t, { lifetime: 60_000 });
  const jar = jarOf((await h.save(newSession(h, { a: 1 }))).headers);
  const value = jar['gaes0'] as string;
  const forged = h.read({ gaes0: `${value.slice(0, -4)}AAAA` });
  t.equal(forged.kind, 'rejected');
  t.same(forged.kind === 'rejected' && forged.present, [1, 0]);
  t.match(h.read({ gaes0: value }, () => true), { kind: 'valid' }, 'an anonymous session is never checked for revocation');
  h.now += 61_000;
  t.match(h.read({ gaes0: value }), { kind: 'rejected', reason: 'expired' });

  const state = new SessionState();
  state.clearSlot();
  const result = await h.save(state, [1, 0]);
  t.same(
    result.headers.map((x) => x.slice(0, x.indexOf(';'))),
    ['gaes0='],
    'only the chunk the browser sent is cleared',
  );
  t.match(result.headers[0], /Max-Age=0/);
  t.equal(result.tier, undefined);
});

t.test('a user-bound cookie is refused once the revocations say so', async (t) => {
  const h = await harness(t);
  const state = newSession(h, { a: 1 });
  state.meta.user = { id: 'u1', sinceMs: h.now, seenAtMs: h.now };
  state.userChanged = true;
  const jar = jarOf((await h.save(state)).headers);
  t.equal(h.read(jar, () => false).kind, 'valid');
  t.match(h.read(jar, (e) => e.user?.id === 'u1'), { kind: 'rejected', reason: 'revoked' });
});

t.test('server-side: a change is written to the store and the cookie becomes a pointer to it', async (t) => {
  const h = await harness(t, { cookieOnlyThreshold: 0 });
  const state = newSession(h, { big: 'x'.repeat(100) });
  const result = await h.save(state);
  t.equal(result.tier, 'cache');
  const incoming = h.read(jarOf(result.headers));
  t.equal(incoming.kind, 'valid');
  if (incoming.kind !== 'valid') return;
  t.equal(incoming.envelope.data, undefined, 'the cookie holds no data');
  const stored = await h.ctx.store.load(state.id as string, incoming.envelope.rev);
  t.ok(stored !== undefined && stored !== 'unreadable');
  if (stored === undefined || stored === 'unreadable') return;
  t.same(decodeSessionData(stored.record.data), { big: 'x'.repeat(100) });
  t.equal(stored.record.rev, 1);
});

t.test('an old id in its grace period is read-only: its changes are dropped (with a debug line) and no cookie is set', async (t) => {
  const h = await harness(t, { cookieOnlyThreshold: 0 });
  const first = newSession(h, { v: 1 });
  const jar = jarOf((await h.save(first)).headers);
  const state = adopt(h, jar);
  const loaded = await h.ctx.store.load(state.id as string, 0);
  if (loaded === undefined || loaded === 'unreadable') throw new Error('not stored');
  state.adoptRecord(loaded.record, { v: 1 }, loaded.tier, loaded.version, loaded.record.lastActiveMs);
  state.successor = { id: 'the-new-id', untilMs: h.now + 10_000 };
  (state.data as Record<string, unknown>)['v'] = 2;
  state.changes.touch('v', ChangeLevel.durable);
  const result = await h.save(state, [1, 0]);
  t.same(result.headers, [], 'no cookie that would replace or clear the new one');
  t.match(h.log.debugs, [/changes to a replaced session id dropped/]);
  const after = await h.ctx.store.load(state.id as string, 0);
  t.ok(after !== undefined && after !== 'unreadable' && decodeSessionData(after.record.data)['v'] === 1, 'the stored copy is unchanged');
});

t.test('a server-side session that shrinks moves into cookies and its stored copy is deleted', async (t) => {
  const h = await harness(t, { cookieOnlyThreshold: 50 });
  const jar = jarOf((await h.save(newSession(h, { big: 'x'.repeat(200) }))).headers);
  const state = adopt(h, jar);
  const id = state.id as string;
  const loaded = await h.ctx.store.load(id, 0);
  if (loaded === undefined || loaded === 'unreadable') throw new Error('not stored');
  state.adoptRecord(loaded.record, decodeSessionData(loaded.record.data), loaded.tier, loaded.version, loaded.record.lastActiveMs);
  delete (state.data as Record<string, unknown>)['big'];
  state.changes.touch('big', ChangeLevel.durable);
  const result = await h.save(state, [1, 0]);
  t.equal(result.tier, 'cookie');
  t.same(state.idsMovedToCookies, [id]);
  t.equal(await h.ctx.store.load(id, 0), undefined, 'the server-side copy is gone');
  const incoming = h.read(jarOf(result.headers));
  t.ok(incoming.kind === 'valid' && incoming.envelope.data !== undefined, 'the cookie carries the data again');
});

/** The state a later request has once its pointer cookie's record is loaded (the plugin's preHandler). */
async function loaded(h: Harness, jar: Record<string, string>): Promise<SessionState> {
  const state = adopt(h, jar);
  const outcome = await loadServerSide(state, h.ctx);
  if (outcome.kind !== 'loaded') throw new Error(`expected a loaded session, got ${outcome.kind}`);
  return state;
}

function set(state: SessionState, key: string, value: unknown, level: ChangeLevel = ChangeLevel.durable): void {
  (state.data as Record<string, unknown>)[key] = value;
  state.changes.touch(key, level);
}

function envelopeOf(h: Harness, result: SaveResult): SessionEnvelope {
  const incoming = h.read(jarOf(result.headers));
  if (incoming.kind !== 'valid') throw new Error(`expected a valid cookie, got ${incoming.kind}`);
  return incoming.envelope;
}

t.test("a cookie-tier session's activity is recorded without decoding its data, which it keeps", async (t) => {
  const h = await harness(t, { idleTimeout: 60_000 });
  const jar = jarOf((await h.save(newSession(h, { keep: 'me' }))).headers);
  h.now += 5000;
  const state = adopt(h, jar);
  state.touch = true;
  t.equal(state.data, undefined, 'the data was never decoded');
  const envelope = envelopeOf(h, await h.save(state, [1, 0]));
  t.equal(envelope.lastActiveMs, h.now, 'activity recorded');
  t.same(decodeSessionData(envelope.data as Buffer), { keep: 'me' }, 'the data sealed again as it came');
});

t.test('a cookie re-sealed for a new key alone keeps its recorded activity', async (t) => {
  const h = await harness(t);
  const jar = jarOf((await h.save(newSession(h, { a: 1 }))).headers);
  const before = h.now;
  h.now += 5000;
  const state = adopt(h, jar);
  state.renew = true;
  const envelope = envelopeOf(h, await h.save(state, [1, 0]));
  t.equal(envelope.lastActiveMs, before, 'a re-seal is not activity');
  t.same(decodeSessionData(envelope.data as Buffer), { a: 1 });
});

t.test("a user-bound session's record: written when bound, seen or given a new id; not on other saves", async (t) => {
  const h = await harness(t);
  const directory = h.ctx.users.directory;
  const puts: Array<{ handle: string; lastSeenAtMs: number; userAgent: string | undefined }> = [];
  const put = directory.put.bind(directory);
  directory.put = async (record) => {
    puts.push(record);
    await put(record);
  };
  const state = newSession(h, { a: 1 });
  state.meta.user = { id: 'u1', sinceMs: h.now, seenAtMs: h.now };
  state.userChanged = true;
  let jar = jarOf((await h.save(state, [0, 0], 'x'.repeat(1000))).headers);
  t.equal(puts.length, 1, 'bound: recorded');
  t.equal(puts[0]?.userAgent, 'x'.repeat(256), 'the user agent is cut to 256 characters');
  t.same((await directory.list('u1')).map((r) => r.handle), [state.meta.handle]);

  let next = decode(adopt(h, jar));
  set(next, 'a', 2);
  jar = jarOf((await h.save(next, [1, 0])).headers);
  t.equal(puts.length, 1, 'a data change alone writes no record');

  h.now += 600_000;
  next = adopt(h, jar);
  next.userSeen = true;
  let result = await h.save(next, [1, 0]);
  let envelope = envelopeOf(h, result);
  t.equal(puts.length, 2, 'seen again: recorded');
  t.equal(puts[1]?.lastSeenAtMs, h.now);
  t.equal(envelope.user?.seenAtMs, h.now, 'the cookie remembers when it was last recorded');
  t.equal(envelope.lastActiveMs, T0, 'being seen is not a change of the data');

  h.now += 600_000;
  next = decode(adopt(h, jarOf(result.headers)));
  next.userSeen = true;
  set(next, 'b', 1);
  result = await h.save(next, [1, 0]);
  envelope = envelopeOf(h, result);
  t.equal(envelope.user?.seenAtMs, h.now, 'seen with a data change: recorded too');
  t.equal(puts.length, 3);

  const ending = decode(adopt(h, jarOf(result.headers)));
  ending.endCurrent(h.now);
  ending.reset();
  ending.clearSlot();
  await h.save(ending, [1, 0]);
  t.same(await directory.list('u1'), [], "terminate removes the session from its user's list");
});

t.test('clearing cookies: only the marked slots, and never by a read-only old id', async (t) => {
  const h = await harness(t, { cookieOnlyThreshold: 0 });
  const none = new SessionState();
  none.clearSlot(0);
  const result = await h.save(none, [1, 1]);
  t.same(result.headers.map((x) => x.slice(0, x.indexOf(';'))), ['gaes0='], 'slot 1 is left alone');

  const jar = jarOf((await h.save(newSession(h, { v: 1 }))).headers);
  const old = await loaded(h, jar);
  old.successor = { id: 'the-new-id', untilMs: h.now + 10_000 };
  old.clearSlot(1);
  t.same((await h.save(old, [1, 1])).headers, [], "the new session's cookies survive a request made with the old id");
});

t.test('a server-side session ended by another request meanwhile: changes dropped, cookies cleared', async (t) => {
  const h = await harness(t, { cookieOnlyThreshold: 0 });
  const jar = jarOf((await h.save(newSession(h, { v: 1 }))).headers);
  const state = await loaded(h, jar);
  const id = state.id as string;
  await h.ctx.store.end(id);
  set(state, 'v', 2);
  const result = await h.save(state, [1, 0]);
  t.equal(result.tier, undefined, 'no session');
  t.same(result.headers.map((x) => x.slice(0, x.indexOf(';'))), ['gaes0='], 'its cookie cleared');
  t.equal(await h.ctx.store.load(id, 0), undefined, 'nothing written back');
});

t.test('a server-side session replaced meanwhile (regenerateId elsewhere): changes dropped, the cookie kept', async (t) => {
  const h = await harness(t, { cookieOnlyThreshold: 0, durableStore: new CountingStore() });
  const jar = jarOf((await h.save(newSession(h, { v: 1 }))).headers);
  const login = await loaded(h, jar);
  const racing = await loaded(h, jar);
  login.regenerate(h.now, h.ctx.opts.regenerateGraceMs, true);
  await h.save(login, [1, 0]);
  set(racing, 'v', 2);
  const result = await h.save(racing, [1, 0]);
  t.same(result.headers, [], 'no cookie change');
  t.equal(result.tier, 'datastore', 'the session is still where it was');
  t.match(h.log.debugs, [/replaced by another request; changes dropped/]);
  const old = await h.ctx.store.load(racing.id as string, 0);
  t.ok(old !== undefined && old !== 'unreadable' && decodeSessionData(old.record.data)['v'] === 1, "the old id's last state is unchanged");
});

t.test('parallel saves from one loaded copy merge: both keys, the revision counts both, the latest activity', async (t) => {
  const h = await harness(t, { cookieOnlyThreshold: 0, durableStore: new CountingStore(), maxSessionBytes: 2000 });
  const jar = jarOf((await h.save(newSession(h, { v: 1 }))).headers);
  const a = await loaded(h, jar);
  const b = await loaded(h, jar);
  h.now += 1000;
  set(a, 'a', 1);
  await h.save(a, [1, 0]);
  const aActiveMs = h.now;
  h.now -= 800; // b's instance has a clock 0.8 s behind
  set(b, 'b', 1);
  const envelope = envelopeOf(h, await h.save(b, [1, 0]));
  const stored = await h.ctx.store.load(b.id as string, 0);
  if (stored === undefined || stored === 'unreadable') throw new Error('not stored');
  t.same(decodeSessionData(stored.record.data), { v: 1, a: 1, b: 1 }, 'both changes kept');
  t.equal(stored.record.rev, 3, 'created, then two saves');
  t.equal(envelope.rev, 3, "the cookie names the merged revision");
  t.equal(stored.record.lastActiveMs, aActiveMs, 'the later activity of the two');

  const c = await loaded(h, jar);
  const d = await loaded(h, jar);
  set(c, 'c', 'y'.repeat(1000));
  await h.save(c, [1, 0]);
  set(d, 'd', 'x'.repeat(990));
  await t.rejects(h.save(d, [1, 0]), { code: 'ERR_GAES_SESSION_TOO_LARGE' }, 'a merge that outgrows maxSessionBytes is refused');
});

t.test('a quick change that moves a cookie-tier session server-side is written durably', async (t) => {
  const durable = new CountingStore();
  const h = await harness(t, { cookieOnlyThreshold: 100, durableStore: durable, cache: new Keyv(), cacheScope: 'shared' });
  const jar = jarOf((await h.save(newSession(h, { v: 1 }))).headers);
  const state = decode(adopt(h, jar));
  set(state, 'big', 'x'.repeat(200), ChangeLevel.quick);
  const result = await h.save(state, [1, 0]);
  t.equal(result.tier, 'datastore');
  t.equal(durable.counts.set, 1, 'Datastore has it: the cookie held the only copy until now');
});

t.test('a server-side session re-sealed for a new key stays a pointer: its data is not copied into the cookie', async (t) => {
  const h = await harness(t, { cookieOnlyThreshold: 0 });
  const jar = jarOf((await h.save(newSession(h, { secret: 'server-side only' }))).headers);
  const state = await loaded(h, jar);
  state.renew = true;
  const envelope = envelopeOf(h, await h.save(state, [1, 0]));
  t.equal(envelope.id, state.id);
  t.equal(envelope.data, undefined, 'still a pointer');
});
