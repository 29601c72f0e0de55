import { Buffer } from 'node:buffer';
import t from 'tap';
import { ConfigError } from '../src/errors.ts';
import { MIN_SECRET_BYTES } from '../src/keyring.ts';
import { MASTER_SECRET_VARIABLE, resolveMasterSecret } from '../src/master-secret.ts';

const SECRET = 'master-secret-test-0123456789abcdefghijklmnop';

t.test('the option wins, then the variable', async (t) => {
  t.equal(MASTER_SECRET_VARIABLE, 'GAES_MASTER_SECRET');
  t.equal(resolveMasterSecret(SECRET, { env: { GAES_MASTER_SECRET: 'ignored-0123456789abcdefghijklmnopqrstu' } }), SECRET);
  t.equal(resolveMasterSecret(undefined, { env: { GAES_MASTER_SECRET: SECRET } }), SECRET);
  t.equal(resolveMasterSecret(undefined, { env: { OTHER: SECRET }, variable: 'OTHER' }), SECRET);
  const bytes = Buffer.alloc(MIN_SECRET_BYTES, 7);
  t.equal(resolveMasterSecret(bytes, { env: {} }), bytes, 'bytes are taken as they are');
});

t.test('process.env by default', async (t) => {
  const saved = process.env.GAES_MASTER_SECRET;
  t.teardown(() => {
    if (saved === undefined) delete process.env.GAES_MASTER_SECRET;
    else process.env.GAES_MASTER_SECRET = saved;
  });
  process.env.GAES_MASTER_SECRET = SECRET;
  t.equal(resolveMasterSecret(undefined), SECRET);
});

t.test('none, empty or short: one ConfigError saying where it looked and the minimum length', async (t) => {
  for (const [value, env] of [
    [undefined, {}],
    ['', {}],
    [undefined, { GAES_MASTER_SECRET: '' }],
  ] as const) {
    const err = t.throws(() => resolveMasterSecret(value, { env, alternative: 'pass `masterSecret`' }), ConfigError) as ConfigError;
    t.match(err.message, /GAES_MASTER_SECRET or pass `masterSecret`/, 'where it looked');
    t.match(err.message, new RegExp(`at least ${MIN_SECRET_BYTES} random bytes`), 'how long');
  }
  const fromEnv = t.throws(() => resolveMasterSecret(undefined, { env: { APP_KEY: 'short' }, variable: 'APP_KEY' }), ConfigError) as ConfigError;
  t.match(fromEnv.message, /in APP_KEY is shorter than 32 bytes/);
  const passed = t.throws(() => resolveMasterSecret(Buffer.alloc(MIN_SECRET_BYTES - 1), { env: {} }), ConfigError) as ConfigError;
  t.match(passed.message, /passed in the options is shorter than 32 bytes/);
  t.throws(() => resolveMasterSecret('x'.repeat(MIN_SECRET_BYTES - 1), { env: {} }), { code: 'ERR_GAES_CONFIG' });
  t.throws(() => resolveMasterSecret(42 as never, { env: {} }), ConfigError, 'not a string or bytes');
  t.equal(resolveMasterSecret('é'.repeat(MIN_SECRET_BYTES / 2), { env: {} }).length, MIN_SECRET_BYTES / 2, 'counted in UTF-8 bytes');
});
