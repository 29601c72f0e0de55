import { setTimeout as sleep } from 'node:timers/promises';
import { rotateKeyRing } from '@gaes/datastore';
import type { Test } from 'tap';
import type { ClusterClient, StateBody } from '../../src/index.ts';
import { MASTER_SECRET, PROPAGATION_MS, REGENERATE_GRACE_MS, type ClusterSetup } from './setup.ts';

interface IncBody {
  readonly counter: number;
  readonly id: string | null;
}

function instancesOf(setup: ClusterSetup): number[] {
  return setup.cluster.urls.map((_, i) => i);
}

async function state(client: ClusterClient, instance: number, cookieHeader?: string): Promise<StateBody> {
  const res = await client.get<StateBody>(instance, '/state', cookieHeader === undefined ? {} : { cookieHeader });
  if (res.status !== 200) throw new Error(`GET /state on #${instance} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * (a) Read-your-writes for every ordered pair of instances: one session; for each pair (i, j) a new key is
 * written on i and the whole session is read back on j, which must show every write so far (a stale cache on
 * j, or a write on i made over a stale copy, shows up as a missing or old value).
 */
export async function readYourWrites(t: Test, setup: ClusterSetup): Promise<void> {
  const browser = setup.browser();
  const expected: Record<string, unknown> = {};
  for (const i of instancesOf(setup)) {
    for (const j of instancesOf(setup)) {
      if (i === j) continue;
      const k = `w${i}${j}`;
      const v = `written on #${i} for #${j}`;
      const set = await browser.post(i, `/set?k=${k}&v=${encodeURIComponent(v)}`);
      t.equal(set.status, 200, `POST /set on #${i} answers 200`);
      expected[k] = v;
      const read = await state(browser, j);
      t.same(read.values, expected, `a write on #${i} is read back on #${j}, with every earlier write`);
    }
  }
}

/** (b) 100 increments of one session, alternating over the instances, end at exactly 100, read on every instance. */
export async function alternatingIncrements(t: Test, setup: ClusterSetup): Promise<void> {
  const browser = setup.browser();
  const n = setup.cluster.urls.length;
  const wrong: string[] = [];
  for (let k = 1; k <= 100; k++) {
    const res = await browser.get<IncBody>((k - 1) % n, '/inc');
    if (res.status !== 200 || res.body.counter !== k) {
      wrong.push(`#${(k - 1) % n} request ${k}: ${res.status} counter ${String(res.body.counter)}`);
    }
  }
  t.same(wrong.slice(0, 10), [], `each increment answers the next number (${wrong.length} of 100 did not)`);
  for (const i of instancesOf(setup)) t.equal((await state(browser, i)).counter, 100, `the counter reads 100 on #${i}`);
}

/** A session that every instance has read (so a per-process cache on each holds it), with `counter` = 2. */
async function sessionSeenEverywhere(t: Test, setup: ClusterSetup, browser: ClusterClient): Promise<StateBody> {
  await browser.get(0, '/inc');
  await browser.get(1 % setup.cluster.urls.length, '/inc');
  let last: StateBody | undefined;
  for (const i of instancesOf(setup)) {
    last = await state(browser, i);
    t.equal(last.counter, 2, `#${i} reads the session before it ends`);
  }
  return last as StateBody;
}

/** What `setup.tier` says an old cookie replayed after its session ended must give: refused on the server side. */
function refused(t: Test, setup: ClusterSetup, got: StateBody, message: string, old: StateBody): void {
  if (setup.tier === 'server') {
    t.match(got, { active: false, counter: null }, `${message}: refused (a fresh, inactive session)`);
  } else {
    // README, "Limits of stateless cookies": a copy of a cookie-tier cookie stays valid until it expires,
    // even after terminate() or regenerateId() in the browser that held it.
    t.match(got, { active: true, counter: old.counter, id: old.id }, `${message}: still accepted with its data (documented limit of cookie-tier sessions)`);
  }
}

/**
 * (c) Logout on one instance; the pre-logout cookie, replayed on every instance, opens nothing (server-side
 * sessions), and a write with it starts over at 1 rather than bring the session back. Done with the logout
 * on each instance in turn.
 */
export async function logoutEverywhere(t: Test, setup: ClusterSetup): Promise<void> {
  for (const k of instancesOf(setup)) {
    await t.test(`logout on #${k}`, async (t) => {
      const browser = setup.browser();
      const before = await sessionSeenEverywhere(t, setup, browser);
      const old = browser.jar.header();
      const out = await browser.post(k, '/logout');
      t.equal(out.status, 200, 'logout answers 200');
      t.equal(browser.jar.size, 0, 'and clears every session cookie');
      for (const i of instancesOf(setup)) refused(t, setup, await state(browser, i, old), `the pre-logout cookie on #${i}`, before);
      const others = instancesOf(setup).filter((i) => i !== k);
      for (const i of others) {
        const inc = await browser.get<IncBody>(i, '/inc', { cookieHeader: old });
        if (setup.tier === 'server') t.equal(inc.body.counter, 1, `a write with the pre-logout cookie on #${i} starts a new session`);
        else t.equal(inc.body.counter, 3, `a write with the pre-logout cookie on #${i} continues the old session (cookie-tier limit)`);
      }
    });
  }
}

/**
 * (d) regenerateId() (POST /login) on one instance, done on each instance in turn: the new cookie works on every
 * instance with the same data plus the login's. The old id's cookie, replayed on every instance, never shows the
 * post-login data and cannot change the new session; once the plugin's `regenerateGrace` (1 s in these set-ups;
 * requests in flight during a login may still read the old id's last state, read-only) is over, it is refused
 * everywhere (server-side sessions).
 */
export async function regenerateEverywhere(t: Test, setup: ClusterSetup): Promise<void> {
  const logins: Array<{ k: number; browser: ClusterClient; old: string; before: StateBody }> = [];
  for (const k of instancesOf(setup)) {
    await t.test(`login (regenerateId) on #${k}`, async (t) => {
      const browser = setup.browser();
      const before = await sessionSeenEverywhere(t, setup, browser);
      const old = browser.jar.header();
      const login = await browser.post<{ before: string | null; id: string | null }>(k, '/login');
      t.equal(login.status, 200, 'login answers 200');
      t.equal(login.body.before, before.id, 'the session had the old id');
      t.not(login.body.id, before.id, 'and gets a new one');
      for (const i of instancesOf(setup)) {
        t.match(await state(browser, i), { active: true, id: login.body.id, values: { counter: 2, user: 'u1' } }, `the new cookie works on #${i}`);
      }
      if (setup.tier === 'server') {
        for (const i of instancesOf(setup)) {
          const got = await state(browser, i, old);
          t.not(got.id, login.body.id, `the old id's cookie on #${i} does not open the new session`);
          t.equal(got.values['user'], undefined, `the old id's cookie on #${i} never shows the post-login data`);
          await browser.get(i, '/inc', { cookieHeader: old });
        }
        t.match(await state(browser, (k + 1) % setup.cluster.urls.length), { id: login.body.id, values: { counter: 2, user: 'u1' } }, 'writes with the old cookie do not reach the new session');
      }
      logins.push({ k, browser, old, before });
    });
  }
  if (setup.tier === 'server') await sleep(REGENERATE_GRACE_MS + 1500); // the grace ends on a whole second
  await t.test(`the old id's cookie${setup.tier === 'server' ? ' after the grace period' : ''}`, async (t) => {
    for (const { k, browser, old, before } of logins) {
      for (const i of instancesOf(setup)) refused(t, setup, await state(browser, i, old), `login on #${k}: the old id's cookie on #${i}`, before);
    }
  });
}

/** The key id in a cookie's seal header (`version | purpose | kid(4) | …`, base64url), to see which key sealed it. */
export function sealKeyId(cookieValue: string): number | undefined {
  const header = Buffer.from(cookieValue.slice(0, 8), 'base64url');
  return header.byteLength >= 6 ? header.readUInt32BE(2) : undefined;
}

/**
 * (e) Key rotation under load: several browsers increment their own counters, each request going to the next
 * instance, while a key is rotated (`rotateKeyRing`); the load goes on past the propagation window. No
 * session is lost (each counter goes up by exactly one per request, every request answers 200), and the
 * cookies end up sealed with the new key.
 */
export async function rotationUnderLoad(t: Test, setup: ClusterSetup, browsers = 6): Promise<void> {
  const n = setup.cluster.urls.length;
  const cookieName = 'gaes0';
  let stopAt = Number.POSITIVE_INFINITY;
  const failures: string[] = [];
  const firstKids = new Set<number | undefined>();
  const lastKids = new Set<number | undefined>();
  let requests = 0;
  const run = async (b: number): Promise<void> => {
    const browser = setup.browser();
    for (let k = 1; Date.now() < stopAt; k++) {
      const instance = (b + k) % n;
      const res = await browser.get<IncBody>(instance, '/inc');
      requests++;
      if (res.status !== 200 || res.body.counter !== k) {
        failures.push(`browser ${b} request ${k} on #${instance}: ${res.status} counter ${String(res.body.counter)}`);
        return;
      }
      if (k === 1) firstKids.add(sealKeyId(browser.jar.get(cookieName) ?? ''));
    }
    lastKids.add(sealKeyId(browser.jar.get(cookieName) ?? ''));
  };
  const load = Array.from({ length: browsers }, (_, b) => run(b));
  await sleep(500);
  const report = await rotateKeyRing({ datastore: setup.datastore, namespace: setup.namespace, masterSecret: MASTER_SECRET });
  t.equal(report.action, 'staged', 'a new key is staged during the load');
  stopAt = Date.now() + PROPAGATION_MS + 1000;
  await Promise.all(load);
  t.same(failures, [], `no session rejected or lost during the rotation (${requests} requests from ${browsers} browsers)`);
  t.equal(firstKids.size, 1, 'before the rotation every cookie is sealed with the one key');
  t.equal(lastKids.size, 1, 'after the propagation window every cookie is sealed with one key');
  t.not([...lastKids][0], [...firstKids][0], 'and it is the new key');
}
