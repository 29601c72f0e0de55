// The read → state → save path without Fastify: `readIncoming` judges the cookies, `SessionState` holds what a
// request did, `saveSession` turns it into store writes and Set-Cookie headers. No app, no hooks, no HTTP.
import { decodeSessionData, EnvelopeCache, type SessionEnvelope } from '@gaes/core';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { ChangeLevel } from '../src/changes.ts';
import { readIncoming, type Incoming, type Presence } from '../src/incoming.ts';
import type { GaesSessionOptions } from '../src/options.ts';
import { resolveOptions } from '../src/resolve-options.ts';
import { saveSession, type SaveResult } from '../src/save.ts';
import type { SessionContext } from '../src/session-context.ts';
import { SessionState } from '../src/session-state.ts';
import { cookieSettings } from '../src/startup-checks.ts';
import { buildStores } from '../src/stores.ts';
import { RevocationFeed } from '../src/users/revocation-feed.ts';
import { SECRET_A } from './helpers/app.ts';

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
  save(state: SessionState, present?: Presence): Promise<SaveResult>;
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
  const ctx: SessionContext = { opts, store, envelopes: new EnvelopeCache(0), cookies, onGoogleCloud: false, users: { directory, feed } };
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
    save: (state, present = [0, 0]) => saveSession(state, ctx, { https: false, present, log, userAgent: 'test' }),
  };
}

/** `name=value` of each Set-Cookie header. */
function jarOf(headers: readonly string[]): Record<string, string> {
  return Object.fromEntries(headers.map((h) => h.slice(0, h.indexOf(';')).split('=') as [string, string]));
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
