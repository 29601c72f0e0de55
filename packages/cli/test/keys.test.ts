import t from 'tap';
import { runKeysCli } from '../src/keys-cli.ts';
import { emulatorEnv, freshNamespace, startDatastore } from '@gaes/test-support/datastore';
import { captureIo } from './fixtures/io.ts';
import { runBin } from './fixtures/run-bin.ts';

const db = await startDatastore(t);
const MASTER = 'keys-cli-master-secret-0123456789abcdefghijklmnop';
const T0 = Date.UTC(2031, 0, 1);
const MINUTE = 60_000;

function keysRunner(namespace: string, env: Record<string, string> = emulatorEnv(db, { GAES_MASTER_SECRET: MASTER })) {
  return async (args: string[], now = T0) => {
    const captured = captureIo({ env, now: () => now });
    const code = await runKeysCli([...args, '--namespace', namespace], captured.io);
    return { code, ...captured };
  };
}

t.test('rotate → list → retire, with --json and text', async (t) => {
  const keys = keysRunner(freshNamespace());

  const created = await keys(['rotate', '--json', '--propagation', '5m', '--lifetime', '1h']);
  t.equal(created.code, 0, created.stderr());
  const c = created.json();
  t.match(c, { command: 'keys', action: 'rotate', status: 'done', outcome: 'created', exitCode: 0, policy: { propagationMs: 5 * MINUTE, lifetimeMs: 60 * MINUTE } });
  const first = c.stagedId as string;

  const dry = await keys(['rotate', '--dry-run', '--json'], T0 + 1000);
  t.match(dry.json(), { outcome: 'staged', dryRun: true });
  const listed = await keys(['list', '--json'], T0 + 1000);
  t.equal((listed.json().keys as unknown[]).length, 1, 'a dry run writes nothing');

  const staged = await keys(['rotate'], T0 + 1000);
  t.equal(staged.code, 0);
  t.match(staged.stdout(), /^Staged key [0-9a-f]{12}: it starts sealing at 2031-01-01T00:05:01Z, once every instance has loaded it\./);
  const again = await keys(['rotate', '--json'], T0 + 2000);
  t.match(again.json(), { outcome: 'already-staged' }, 'rotating again within the window changes nothing');
  const second = again.json().stagedId as string;

  const list = await keys(['list'], T0 + 2000);
  t.equal(list.code, 0);
  t.match(list.stdout(), new RegExp(`${first}\\s+primary`));
  t.match(list.stdout(), new RegExp(`${second}\\s+staged`));
  t.match(list.stdout(), /propagation 5m, lifetime 1h/);
  t.notMatch(list.stdout() + JSON.stringify(listed.json()), /w\d\.|wrapped/, 'no key material, wrapped or not');

  const stagedForce = await keys(['retire', '--force', second], T0 + 2000);
  t.equal(stagedForce.code, 2, 'the staged key cannot be forced out');
  t.match(stagedForce.stderr(), /is the staged key/);

  const promoted = T0 + 1000 + 5 * MINUTE;
  const early = await keys(['retire', '--json'], promoted);
  t.match(early.json(), { outcome: 'nothing-to-retire', removed: [] }, 'the previous key is kept while its sessions may live');
  t.match((await keys(['retire'], promoted)).stdout(), new RegExp(`^Nothing to retire yet: ${first} until `));

  const forcedDry = await keys(['retire', '--force', first, '--dry-run', '--json'], promoted);
  t.match(forcedDry.json(), { outcome: 'retired', dryRun: true, removed: [first] });
  const forced = await keys(['retire', '--force', first, '--json'], promoted);
  t.match(forced.json(), { outcome: 'retired', removed: [first] });
  t.same(((await keys(['list', '--json'], promoted)).json().keys as Array<{ id: string; role: string }>).map((k) => [k.id, k.role]), [[second, 'primary']]);
});

t.test('retire without --force once the lifetime has passed', async (t) => {
  const keys = keysRunner(freshNamespace());
  await keys(['rotate', '--lifetime', '1h']);
  const staged = (await keys(['rotate', '--json'], T0 + 1000)).json().stagedId as string;
  const later = T0 + 1000 + 5 * MINUTE + 60 * MINUTE;
  const retired = await keys(['retire', '--json'], later);
  t.equal(retired.code, 0);
  t.match(retired.json(), { outcome: 'retired' });
  t.same(((retired.json().keys as Array<{ id: string }>) ?? []).map((k) => k.id), [staged]);
});

t.test('bad input and refusals', async (t) => {
  const namespace = freshNamespace();
  const keys = keysRunner(namespace);
  const cases: Array<[string, string[], number, RegExp]> = [
    ['no command', [], 2, /^gaes-keys: name a command: rotate, list or retire/],
    ['an unknown command', ['spin'], 2, /^gaes-keys: unknown command 'spin'/],
    ['an unknown flag', ['rotate', '--forse', 'x'], 2, /unknown option '--forse'/],
    ['--force outside retire', ['rotate', '--force', 'abc'], 2, /unknown option '--force'/],
    ['a bad duration', ['rotate', '--propagation', 'soon'], 2, /--propagation "soon" is not a duration/],
    ['no ring yet', ['list'], 2, /^gaes-keys list: there is no key ring yet: run `gaes-keys rotate` first/],
  ];
  for (const [name, args, code, message] of cases) {
    const r = await keys(args);
    t.equal(r.code, code, name);
    t.match(r.stderr(), message, name);
    t.equal(r.stderr().trim().split('\n').length, 1, `${name}: one line`);
  }

  const noSecret = await keysRunner(namespace, emulatorEnv(db))(['rotate']);
  t.equal(noSecret.code, 2);
  t.match(noSecret.stderr(), /no master secret: set GAES_MASTER_SECRET .*--master-secret-env/);
  const otherVar = await keysRunner(namespace, emulatorEnv(db, { APP_MASTER: MASTER }))(['rotate', '--master-secret-env', 'APP_MASTER', '--json']);
  t.match(otherVar.json(), { outcome: 'created' }, '--master-secret-env names the variable');
  const short = await keysRunner(namespace, emulatorEnv(db, { GAES_MASTER_SECRET: 'short' }))(['list']);
  t.equal(short.code, 2);
  t.match(short.stderr(), /shorter than 32 bytes/);
  const wrong = await keysRunner(namespace, emulatorEnv(db, { GAES_MASTER_SECRET: 'another-master-secret-0123456789abcdefghijkl' }))(['rotate', '--json']);
  t.equal(wrong.code, 1, 'a master secret that does not open the ring is an error, and changes nothing');
  t.match(wrong.json(), { status: 'error', error: { code: 'ERR_GAES_KEY_UNWRAP' } });
  t.equal(((await keys(['list', '--json'])).json().keys as unknown[]).length, 1);
});

t.test('gaes-keys as a process', async (t) => {
  const namespace = freshNamespace();
  const env = emulatorEnv(db, { GAES_MASTER_SECRET: MASTER });
  const rotate = await runBin('src/bin/gaes-keys.ts', ['rotate', '--namespace', namespace, '--json'], env);
  t.equal(rotate.code, 0, rotate.stderr);
  t.match(JSON.parse(rotate.stdout), { outcome: 'created' });
  const none = await runBin('src/bin/gaes-keys.ts', ['list'], {});
  t.equal(none.code, 2);
  t.match(none.stderr, /^gaes-keys list: no master secret/);
});

/** Rewrites the keys of the ring entity in `namespace`, as a hand edit or a restore from elsewhere would. */
async function editKeys(namespace: string, change: (keys: Array<Record<string, unknown>>) => unknown[]): Promise<void> {
  const key = db.datastore.key({ namespace, path: ['GaesKeyRing', 'default'] });
  const [entity] = (await db.datastore.get(key)) as [{ keys: string; propagationMs: number; lifetimeMs: number }];
  const data = { ...entity, keys: JSON.stringify(change(JSON.parse(entity.keys) as Array<Record<string, unknown>>)) };
  await db.datastore.save({ key, data: Object.entries(data).map(([name, value]) => ({ name, value, excludeFromIndexes: true })) });
}

t.test('keys that do not unwrap: listed as refused; a ring of w1 keys asks for a new ring', async (t) => {
  const namespace = freshNamespace();
  const keys = keysRunner(namespace);
  await keys(['rotate']);
  const staged = (await keys(['rotate', '--json'], T0 + 1000)).json().stagedId as string;
  await editKeys(namespace, (list) => list.map((k) => (k['id'] === staged ? { ...k, createdAtMs: T0 } : k)));
  const list = await keys(['list'], T0 + 2000);
  t.equal(list.code, 0, list.stderr());
  t.match(list.stdout(), new RegExp(`${staged}\\s+refused`), 'a re-timed key is refused');

  await editKeys(namespace, (list) => list.map((k) => ({ ...k, wrapped: `w1.${String(k['wrapped']).slice(3)}` })));
  const old = await keys(['list', '--json'], T0 + 2000);
  t.equal(old.code, 1);
  t.match(old.json(), { status: 'error', error: { code: 'ERR_GAES_KEY_UNWRAP' } });
  t.equal(old.stderr().trim().split('\n').length, 1, 'one line');
  t.comment(old.stderr().trim());
});
