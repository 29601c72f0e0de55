import t from 'tap';
import {
  assertKeyName,
  assertKind,
  assertNamespace,
  DEFAULT_KEY_RING_KIND,
  DEFAULT_KEY_RING_NAME,
  DEFAULT_SESSION_KIND,
  isValidKeyName,
  isValidKind,
  isValidNamespace,
} from '../src/datastore-names.ts';
import { ConfigError } from '../src/errors.ts';

/** Kinds and key names Datastore takes and gaes accepts. */
const VALID_NAMES = ['GaesSession', 'a', 'x'.repeat(100), '__leading', 'trailing__', '__', '___', '_x_', 'ünïcødé', '名前', '😀'.repeat(50), 'a.b-c:d/e'];
/** Names gaes refuses: empty, too long, whitespace, reserved by Datastore, ill-formed Unicode. */
const INVALID_NAMES = ['', 'x'.repeat(101), '😀'.repeat(51), 'has space', 'tab\tx', 'new\nline', '\u00a0nbsp', '__reserved__', '____', '__kind__', '\ud800lone', 'lone\udfff'];

t.test('kinds and key names: the Datastore rule, 1–100 characters without whitespace', async (t) => {
  for (const name of VALID_NAMES) {
    t.ok(isValidKind(name), `kind ${JSON.stringify(name)}`);
    t.ok(isValidKeyName(name), `key name ${JSON.stringify(name)}`);
    t.doesNotThrow(() => assertKind(name, 'kind'));
    t.doesNotThrow(() => assertKeyName(name, 'name'));
  }
  for (const name of [...INVALID_NAMES, undefined, null, 42, ['GaesSession']]) {
    t.notOk(isValidKind(name), `kind ${JSON.stringify(name)}`);
    t.notOk(isValidKeyName(name), `key name ${JSON.stringify(name)}`);
    t.throws(() => assertKind(name, '`kind`'), ConfigError);
    t.throws(() => assertKeyName(name, '`name`'), { code: 'ERR_GAES_CONFIG' });
  }
});

t.test('the defaults follow the rule', async (t) => {
  t.ok(isValidKind(DEFAULT_SESSION_KIND));
  t.ok(isValidKind(DEFAULT_KEY_RING_KIND));
  t.ok(isValidKeyName(DEFAULT_KEY_RING_NAME));
});

t.test('namespaces: 1–100 letters, digits, ".", "_" or "-", not reserved', async (t) => {
  for (const ns of ['a', 'tenant-1', 'a.b_c', 'x'.repeat(100), '__leading', '_'.repeat(3)]) t.ok(isValidNamespace(ns), ns);
  for (const ns of ['', 'x'.repeat(101), 'no/slash', 'sp ace', 'ü', '__reserved__', undefined]) {
    t.notOk(isValidNamespace(ns), String(ns));
    t.throws(() => assertNamespace(ns, '`namespace`'), ConfigError);
  }
});
