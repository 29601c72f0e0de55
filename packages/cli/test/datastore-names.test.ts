/**
 * One rule for kinds and key names (`@gaes/core`'s `datastore-names.ts`), the same wherever a name comes in:
 * the plugin's `datastoreKind`, `@gaes/datastore`'s session store and key ring, and the CLI's `--kind`,
 * `--ring-kind` and `--ring-name`. Each case runs through every one of them.
 */
import Fastify from 'fastify';
import gaeSessions from '@gaes/fastify';
import { DatastoreSessionStore, rotateKeyRing } from '@gaes/datastore';
import t from 'tap';
import { cleanupProgram, keysProgram, resolveCleanupSettings, resolveKeysSettings } from '../src/index.ts';
import { emulatorEnv, freshNamespace, startDatastore } from '@gaes/test-support/datastore';
import { captureIo } from './fixtures/io.ts';

const db = await startDatastore(t);
const MASTER = 'datastore-names-master-secret-0123456789abcdef';
const io = captureIo({ env: emulatorEnv(db, { GAES_MASTER_SECRET: MASTER }), now: Date.now }).io;

/** [name, accepted]: what Datastore takes (not `__.*__`), within gaes's 1–100 characters without whitespace. */
const CASES: ReadonlyArray<readonly [string, boolean]> = [
  ['GaesSession', true],
  ['a', true],
  ['x'.repeat(100), true],
  ['😀'.repeat(50), true],
  ['__leading', true],
  ['trailing__', true],
  ['__', true],
  ['___', true],
  ['ünïcødé', true],
  ['a.b-c:d/e', true],
  ['', false],
  ['x'.repeat(101), false],
  ['😀'.repeat(51), false],
  ['has space', false],
  ['tab\there', false],
  ['\u00a0nbsp', false],
  ['__reserved__', false],
  ['____', false],
  ['__kind__', false],
  ['\ud800lone', false],
];

/** Whether `run` finished without throwing; a throw must carry `code`. */
async function accepts(t: { equal(found: unknown, wanted: unknown, message: string): unknown }, what: string, code: string, run: () => unknown): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (err) {
    t.equal((err as { code?: unknown }).code, code, `${what}: refused with ${code}`);
    return false;
  }
}

t.test('every entry point accepts and refuses the same kinds', async (t) => {
  for (const [name, valid] of CASES) {
    const label = JSON.stringify(name);
    const plugin = await accepts(t, `plugin ${label}`, 'ERR_GAES_CONFIG', async () => {
      const app = Fastify();
      try {
        await app.register(gaeSessions, { secret: 's'.repeat(32), datastore: db.datastore, datastoreKind: name }).ready();
      } finally {
        await app.close();
      }
    });
    const store = await accepts(t, `store ${label}`, 'ERR_GAES_CONFIG', () => new DatastoreSessionStore({ datastore: db.datastore, kind: name }));
    const ringKind = await accepts(t, `ring kind ${label}`, 'ERR_GAES_CONFIG', () =>
      rotateKeyRing({ datastore: db.datastore, namespace: freshNamespace(), kind: name, masterSecret: MASTER, dryRun: true }),
    );
    const ringName = await accepts(t, `ring name ${label}`, 'ERR_GAES_CONFIG', () =>
      rotateKeyRing({ datastore: db.datastore, namespace: freshNamespace(), name, masterSecret: MASTER, dryRun: true }),
    );
    const cleanupKind = await accepts(t, `--kind ${label}`, 'ERR_GAES_USAGE', () => {
      const program = cleanupProgram(io).parse(['--kind', name], { from: 'user' });
      return resolveCleanupSettings(program.opts(), io);
    });
    const keysFlags = async (flag: string): Promise<boolean> =>
      accepts(t, `${flag} ${label}`, 'ERR_GAES_USAGE', () => {
        const { program, retire } = keysProgram(io);
        program.parse(['rotate', flag, name], { from: 'user' });
        return resolveKeysSettings('rotate', program.opts(), retire.opts().force, io);
      });
    const results = { plugin, store, ringKind, ringName, cleanupKind, ringKindFlag: await keysFlags('--ring-kind'), ringNameFlag: await keysFlags('--ring-name') };
    t.same(results, Object.fromEntries(Object.keys(results).map((k) => [k, valid])), `${label} ${valid ? 'accepted' : 'refused'} everywhere`);
  }
});
