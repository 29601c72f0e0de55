import { setTimeout as delay } from 'node:timers/promises';
import { readChunkedCookie, sealFromString } from '@gaes/core';
import { DatastoreKeyRing } from '@gaes/datastore';
import gaeSessions from '@gaes/fastify';
import { Datastore } from '@google-cloud/datastore';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { Keyv } from 'keyv';
import t from 'tap';
import { runKeysCli } from '../src/keys-cli.ts';
import { emulatorEnv, freshNamespace, startDatastore, storedIds } from '@gaes/test-support/datastore';
import { captureIo } from './fixtures/io.ts';

declare module '@gaes/fastify' {
  interface SessionData {
    counter: number;
    pad: string;
  }
}

const MASTER = 'live-rotation-master-secret-0123456789abcdefghij';
const T0 = Date.UTC(2031, 2, 1);
const PROPAGATION_MS = 5 * 60_000;
const CLIENTS = 12;

const db = await startDatastore(t);
const namespace = freshNamespace();
let now = T0;
const clock = (): number => now;

/** `gaes-keys` in this process, on the shared fake clock. */
async function gaesKeys(...args: string[]): Promise<Record<string, unknown>> {
  const captured = captureIo({ env: emulatorEnv(db, { GAES_MASTER_SECRET: MASTER }), now: clock });
  const code = await runKeysCli([...args, '--namespace', namespace, '--json'], captured.io);
  if (code !== 0) throw new Error(`gaes-keys ${args.join(' ')}: exit ${code}: ${captured.stderr()}`);
  return captured.json();
}

/** One app instance: its own Datastore client and key ring (refreshed every 20 ms), a cache shared like Redis. */
async function instance(cache: Keyv): Promise<{ app: FastifyInstance; ring: DatastoreKeyRing }> {
  const datastore = new Datastore({ projectId: db.projectId, apiEndpoint: db.host });
  const ring = await DatastoreKeyRing.open({ datastore, namespace, masterSecret: MASTER, refreshInterval: '20ms', now: clock });
  const app = Fastify();
  await app.register(gaeSessions, { keyring: ring, datastore, datastoreNamespace: namespace, cache, cookieOnlyThreshold: 256, now: clock });
  app.post('/hit', async (request) => {
    const s = request.session;
    s.set('counter', (s.get('counter') ?? 0) + 1);
    if ((request.body as { big?: boolean }).big === true && !s.has('pad')) s.set('pad', 'x'.repeat(2000)); // server-side tier
    return { counter: s.get('counter'), id: s.id, tier: s.tier };
  });
  await app.ready();
  return { app, ring };
}

/** The key id a session cookie was sealed with (readable before decryption). */
function kidOf(cookies: Map<string, string>): number | undefined {
  const { value } = readChunkedCookie(Object.fromEntries(cookies), 'gaes');
  return value === undefined ? undefined : sealFromString(value)?.readUInt32BE(2);
}

/** A browser: a cookie jar and what its session should hold. */
class Client {
  readonly cookies = new Map<string, string>();
  counter = 0;
  id: string | undefined;
  tier: string | undefined;
  readonly big: boolean;
  readonly resealed: Array<[number | undefined, number | undefined]> = [];
  constructor(big: boolean) {
    this.big = big;
  }

  async hit(app: FastifyInstance, failures: string[]): Promise<void> {
    const sent = kidOf(this.cookies);
    const res = await app.inject({ method: 'POST', url: '/hit', payload: { big: this.big }, headers: { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    const body = res.json() as { counter: number; id: string; tier: string };
    if (res.statusCode !== 200 || body.counter !== this.counter + 1 || (this.id !== undefined && body.id !== this.id)) {
      failures.push(`status ${res.statusCode}, counter ${body.counter} after ${this.counter}, id ${body.id} (was ${this.id ?? 'none'})`);
    }
    this.counter = body.counter;
    this.id = body.id;
    this.tier = body.tier;
    this.apply(res);
    this.resealed.push([sent, kidOf(this.cookies)]);
  }

  apply(res: LightMyRequestResponse): void {
    const raw = res.headers['set-cookie'];
    for (const header of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) {
      const [pair = '', ...attrs] = header.split(';');
      const eq = pair.indexOf('=');
      if (attrs.some((a) => a.trim().toLowerCase() === 'max-age=0')) this.cookies.delete(pair.slice(0, eq));
      else this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
}

/** Polls until `condition` holds (the key rings refresh on their own timers); no assertion on how long it took. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (condition()) return;
    await delay(5);
  }
  throw new Error(`timed out waiting until ${what}`);
}

t.test('rotate → promote → retire under live traffic on two instances: no session is ever rejected', async (t) => {
  const created = await gaesKeys('rotate', '--propagation', '5m', '--lifetime', '7d');
  t.equal(created.outcome, 'created');
  const oldId = created.stagedId as string;

  const cache = new Keyv();
  const instances = [await instance(cache), await instance(cache)];
  t.teardown(() => Promise.all(instances.map((i) => i.app.close())));
  const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
  const oldKid = a.ring.current().primary.kid;

  const clients = Array.from({ length: CLIENTS }, (_, i) => new Client(i % 3 === 0));
  const failures: string[] = [];
  let rounds = 0;
  let stop = false;
  // Every client sends one request per round, alternating instances: sessions hop between them constantly.
  const traffic = (async () => {
    while (!stop) {
      await Promise.all(clients.map((c, i) => c.hit((instances[(i + rounds) % 2] as typeof a).app, failures)));
      rounds++;
    }
  })();
  const afterRounds = async (n: number): Promise<void> => {
    const target = rounds + n;
    await until(() => rounds >= target, `${n} more rounds`);
  };

  await afterRounds(2);
  const stale = new Map((clients[1] as Client).cookies); // a cookie-tier copy sealed with the old key, kept aside

  const staged = await gaesKeys('rotate');
  t.equal(staged.outcome, 'staged');
  const newId = staged.stagedId as string;
  await until(() => instances.every((i) => i.ring.status().some((k) => k.id === newId)), 'both instances have loaded the staged key');
  await afterRounds(2);
  t.equal(a.ring.current().primary.kid, oldKid, 'while staged, the old key still seals');
  t.ok(clients.every((c) => kidOf(c.cookies) === oldKid), 'every cookie is still sealed with the old key');

  now += PROPAGATION_MS + 1000; // the propagation window passes: the staged key becomes primary everywhere at once
  const newKid = a.ring.current().primary.kid;
  t.not(newKid, oldKid);
  t.equal(b.ring.current().primary.kid, newKid, 'both instances agree on the primary key');
  await afterRounds(2);
  t.ok(clients.every((c) => kidOf(c.cookies) === newKid), 'every client has been re-sealed with the new key on its next write');
  t.ok(
    clients.every((c) => c.resealed.some(([sent, got]) => sent === oldKid && got === newKid)),
    'each client presented an old-key cookie, was accepted and got it re-sealed',
  );

  t.match(await gaesKeys('retire'), { outcome: 'nothing-to-retire' }, 'the old key is kept while its sessions may live');
  t.match(await gaesKeys('retire', '--force', oldId), { outcome: 'retired', removed: [oldId] }, 'forced out once every client has written');
  await until(() => instances.every((i) => !i.ring.status().some((k) => k.id === oldId)), 'both instances have dropped the old key');
  await afterRounds(3);
  stop = true;
  await traffic;

  t.same(failures, [], 'no request saw its session rejected or reset');
  t.ok(rounds >= 9, `${rounds} rounds of ${CLIENTS} requests`);
  t.ok(clients.every((c) => c.counter === rounds), 'every session counted every one of its requests');
  t.ok(clients.every((c) => (c.big ? c.tier === 'cache' || c.tier === 'datastore' : c.tier === 'cookie')), 'cookie-tier and server-side sessions took part');
  const stored = await storedIds(db.datastore, namespace);
  t.ok(clients.filter((c) => c.big).every((c) => stored.includes(c.id as string)), 'the server-side sessions are in Datastore too');

  const res = await a.app.inject({ method: 'POST', url: '/hit', payload: {}, headers: { cookie: [...stale].map(([k, v]) => `${k}=${v}`).join('; ') } });
  t.equal(res.json().counter, 1, 'a copy still sealed with the retired key no longer opens (a fresh session)');
});
