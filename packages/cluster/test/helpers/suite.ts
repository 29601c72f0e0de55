import type { Test } from 'tap';
import { alternatingIncrements, logoutEverywhere, readYourWrites, regenerateEverywhere, rotationUnderLoad } from './scenarios.ts';
import { clusterSetup, type SetupOptions } from './setup.ts';

/** Runs scenarios (a)–(e) on one set-up: the processes start once, the scenarios run as subtests. */
export async function clusterSuite(t: Test, options: SetupOptions): Promise<void> {
  const setup = await clusterSetup(t, options);
  if (setup === undefined) return;
  await t.test('a. read-your-writes across every ordered pair of instances', (t) => readYourWrites(t, setup));
  await t.test('b. 100 increments alternating over the instances end at 100', (t) => alternatingIncrements(t, setup));
  await t.test('c. logout on one instance, then the pre-logout cookie on the others', (t) => logoutEverywhere(t, setup));
  await t.test('d. regenerateId on one instance, then the old and new cookies everywhere', (t) => regenerateEverywhere(t, setup));
  await t.test('e. key rotation under load from several browsers loses no session', (t) => rotationUnderLoad(t, setup));
  const warnings = setup.logs.filter((line) => /"level":(40|50|60)/.test(line));
  t.comment(`the instances logged ${warnings.length} warnings or errors${warnings.length === 0 ? '' : `; first: ${(warnings[0] ?? '').slice(0, 400)}`}`);
}
