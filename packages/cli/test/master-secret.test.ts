/**
 * One master-secret rule (`resolveMasterSecret` in @gaes/core): the key ring (`DatastoreKeyRing`, the key-ring
 * commands), `gaes-keys` and the cron route take and refuse the same secrets, from the same places, and say
 * where they looked. `gaes-keys` keeps its exit code 2 for a missing or short secret.
 */
import { DatastoreKeyRing, rotateKeyRing } from '@gaes/datastore';
import t from 'tap';
import { keysProgram, resolveCronOptions, resolveKeysSettings, runKeysCli } from '../src/index.ts';
import { emulatorEnv, freshNamespace, startDatastore } from '@gaes/test-support/datastore';
import { captureIo } from './fixtures/io.ts';

const db = await startDatastore(t);
const SECRET = 'master-secret-rule-0123456789abcdefghijklmnop';

/** [label, GAES_MASTER_SECRET, accepted]. Length counts UTF-8 bytes. */
const CASES: ReadonlyArray<readonly [string, string | undefined, boolean]> = [
  ['unset', undefined, false],
  ['empty', '', false],
  ['31 bytes', 'x'.repeat(31), false],
  ['32 bytes', 'x'.repeat(32), true],
  ['16 two-byte characters', 'é'.repeat(16), true],
  ['a long secret', SECRET, true],
];

/** The environment with GAES_MASTER_SECRET set to `value` (or unset). */
function envWith(value: string | undefined): Record<string, string> {
  const env = emulatorEnv(db);
  return value === undefined ? env : { ...env, GAES_MASTER_SECRET: value };
}

/** Runs `fn` with process.env.GAES_MASTER_SECRET set to `value` (the key ring reads process.env). */
async function withProcessEnv<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.GAES_MASTER_SECRET;
  if (value === undefined) delete process.env.GAES_MASTER_SECRET;
  else process.env.GAES_MASTER_SECRET = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.GAES_MASTER_SECRET;
    else process.env.GAES_MASTER_SECRET = saved;
  }
}

/** The error `fn` throws or rejects with, or `undefined`. */
async function failure(fn: () => unknown): Promise<{ code?: unknown; message?: unknown } | undefined> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    return err as { code?: unknown; message?: unknown };
  }
}

t.test('every entry point takes GAES_MASTER_SECRET by the same rule', async (t) => {
  for (const [label, value, accepted] of CASES) {
    const errors = {
      keyRingOpen: await withProcessEnv(value, () =>
        failure(async () => (await DatastoreKeyRing.open({ datastore: db.datastore, namespace: freshNamespace(), refreshInterval: 0 })).close()),
      ),
      keyRingCommand: await withProcessEnv(value, () =>
        failure(() => rotateKeyRing({ datastore: db.datastore, namespace: freshNamespace(), dryRun: true })),
      ),
      gaesKeys: await failure(() => {
        const io = captureIo({ env: envWith(value), now: Date.now }).io;
        const { program, retire } = keysProgram(io);
        program.parse(['rotate'], { from: 'user' });
        return resolveKeysSettings('rotate', program.opts(), retire.opts().force, io);
      }),
      cron: await failure(() => resolveCronOptions({ datastore: db.datastore, cleanup: false }, envWith(value))),
    };
    for (const [where, err] of Object.entries(errors)) {
      if (accepted) {
        t.equal(err, undefined, `${label}: ${where} accepts it`);
        continue;
      }
      t.equal(err?.code, where === 'gaesKeys' ? 'ERR_GAES_USAGE' : 'ERR_GAES_CONFIG', `${label}: ${where} refuses it`);
      t.match(String(err?.message), /GAES_MASTER_SECRET/, `${label}: ${where} says where it looked`);
      t.match(String(err?.message), /at least 32|shorter than 32 bytes/, `${label}: ${where} says how long it must be`);
    }
  }
});

t.test('a secret passed directly follows the same rule', async (t) => {
  const env = emulatorEnv(db);
  for (const [label, value, accepted] of CASES.filter(([, v]) => v !== undefined)) {
    const errors = {
      keyRing: await withProcessEnv(undefined, () =>
        failure(() => rotateKeyRing({ datastore: db.datastore, namespace: freshNamespace(), masterSecret: value, dryRun: true })),
      ),
      cron: await failure(() => resolveCronOptions({ datastore: db.datastore, cleanup: false, rotateKeys: { masterSecret: value as string } }, env)),
    };
    for (const [where, err] of Object.entries(errors)) t.equal(err === undefined, accepted, `${label}: ${where}`);
  }
});

t.test('gaes-keys: exit code 2 and one line naming the variable, also one named by --master-secret-env', async (t) => {
  const run = async (env: Record<string, string>, args: string[]) => {
    const captured = captureIo({ env, now: Date.now });
    return { code: await runKeysCli(args, captured.io), stderr: captured.stderr() };
  };
  const none = await run(emulatorEnv(db), ['list', '--master-secret-env', 'APP_MASTER']);
  t.equal(none.code, 2);
  t.match(none.stderr, /^gaes-keys list: no master secret: set APP_MASTER or name another variable with --master-secret-env \(at least 32 random bytes/);
  const short = await run(emulatorEnv(db, { APP_MASTER: 'short' }), ['list', '--master-secret-env', 'APP_MASTER']);
  t.equal(short.code, 2);
  t.match(short.stderr, /the master secret in APP_MASTER is shorter than 32 bytes/);
});
