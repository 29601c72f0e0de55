/**
 * The store contract has teeth: a correct in-memory store passes it, and each way of breaking a store fails
 * the part of the contract about it. The stores run the contract in one child process
 * (fixtures/contract-on.ts), each as a top-level subtest; its TAP output is read here.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';

const FIXTURE = fileURLToPath(new URL('./fixtures/contract-on.ts', import.meta.url));

interface Outcome {
  /** Whether the variant's subtest passed. */
  readonly passed: boolean;
  /** The descriptions of its failed test points (assertions and the subtests around them). */
  readonly failed: string[];
  /** Its TAP output. */
  readonly output: string;
}

/** Runs every variant in one child process and splits its TAP output by top-level subtest. */
function runContracts(): { status: number | null; variants: Map<string, Outcome> } {
  const { GAES_CONTRACT_VARIANT: _only, ...inherited } = process.env;
  const child = spawnSync(process.execPath, ['--conditions=@gaes/source', FIXTURE], { env: inherited, encoding: 'utf8', timeout: 120_000 });
  const variants = new Map<string, Outcome>();
  for (const block of `${child.stdout}`.split(/^(?=# Subtest: )/m).slice(1)) {
    const name = /^# Subtest: (.*)$/m.exec(block)?.[1] ?? '';
    const failed = [...block.matchAll(/^\s*not ok \d+ - (.*?)(?: # .*)?$/gm)].map((m) => m[1] ?? '');
    variants.set(name, { passed: new RegExp(`^ok \\d+ - ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm').test(block), failed, output: block });
  }
  return { status: child.status, variants };
}

const run = runContracts();

function outcome(t: Test, label: string): Outcome {
  const found = run.variants.get(label);
  t.ok(found, `the contract ran on "${label}"`);
  return found ?? { passed: true, failed: [], output: '' };
}

/** Checks that `label` failed, and that some failed test point matches each of `expected`. */
function failsWith(t: Test, label: string, expected: readonly RegExp[]): void {
  const { passed, failed } = outcome(t, label);
  t.equal(passed, false, 'the contract fails');
  for (const pattern of expected) t.ok(failed.some((line) => pattern.test(line)), `a failure matching ${String(pattern)}`, { failed });
}

t.test('the child run fails (some stores are broken on purpose)', async (t) => {
  t.not(run.status, 0);
});

t.test('a correct versioned store passes the whole contract', async (t) => {
  const { passed, failed, output } = outcome(t, 'correct');
  t.equal(passed, true, 'passes');
  t.same(failed, [], 'no failure');
  t.match(output, /# Subtest: conditional writes/, 'the conditional-write contract ran');
});

t.test('a correct plain store passes, without the conditional-write part', async (t) => {
  const { passed, output } = outcome(t, 'correct plain');
  t.equal(passed, true, 'passes');
  t.notMatch(output, /# Subtest: conditional writes/, 'no conditional-write contract');
  t.match(output, /not a VersionedSessionStore: the conditional-write contract does not apply/);
});

t.test('a store that keeps the input buffer it was given fails "values are copies"', async (t) => {
  failsWith(t, 'aliasing-set', [/changing the input after set does not change what is stored/]);
});

t.test('a store that hands out its own buffer fails "values are copies"', async (t) => {
  failsWith(t, 'aliasing-get', [/changing what get returned does not change the store/]);
});

t.test('a store that keeps values as UTF-8 text loses bytes', async (t) => {
  failsWith(t, 'text', [/all 256 byte values: same bytes/, /invalid UTF-8: same/]);
});

t.test('a store that cuts large values fails the ~100 KB round trip', async (t) => {
  failsWith(t, 'truncating', [/100 KB: same length/]);
});

t.test('a store that confuses ids one character apart fails "distinct ids do not collide"', async (t) => {
  failsWith(t, 'colliding', [/id \d reads its own value/]);
});

t.test('a store that returns expired values fails when it claims to hide them, and passes when it declares it', async (t) => {
  failsWith(t, 'keeps-expired', [/the old value is gone and the new one was not written/, /expiring right now counts as expired/]);
  t.equal(outcome(t, 'keeps-expired, declared').passed, true, "passes with expired: 'kept'");
});

t.test("a store that hides expired values fails when it declares expired: 'kept'", async (t) => {
  failsWith(t, 'correct, declared kept', [/written: the caller judges expiry/]);
});

t.test('a store that drops overlapping writes fails the concurrent sets', async (t) => {
  failsWith(t, 'lost-writes', [/every get returned its own bytes/]);
});

t.test('a store whose delete of a missing id throws fails', async (t) => {
  // tap names a failed t.resolves after the rejection.
  failsWith(t, 'throwing-delete', [/no such id/]);
});

t.test('a versioned store that ignores basedOn fails the refusals', async (t) => {
  failsWith(t, 'unconditional', [/based on an older version: refused/, /a deleted value: refused/, /a stale conditional write is refused/]);
});

t.test('a versioned store whose delete forgets the version fails "after a delete"', async (t) => {
  failsWith(t, 'resurrecting', [/a deleted value: refused/, /still deleted \(read\)/]);
});

t.test('a versioned store whose versions never change fails "a new version"', async (t) => {
  failsWith(t, 'sticky-version', [/a new version/, /based on an older version: refused/]);
});

t.test('whether a store is versioned is checked when declared', async (t) => {
  failsWith(t, 'plain, declared versioned', [/^a VersionedSessionStore$/]);
  failsWith(t, 'versioned, declared plain', [/^not a VersionedSessionStore$/]);
});
