import Fastify from 'fastify';
import t from 'tap';
import {
  DATASTORE_MAX_ENTITY_BYTES,
  DATASTORE_MAX_PROPERTY_BYTES,
  MAX_RECORD_HEADER_BYTES,
  MAX_SEAL_OVERHEAD_BYTES,
  MAX_SESSION_ENTITY_OVERHEAD_BYTES,
} from '@gaes/core';
import gaeSessions, { MAX_DATASTORE_SESSION_BYTES } from '../src/index.ts';
import { resolveOptions } from '../src/options.ts';

t.test('a missing or short secret fails app.ready() with a clear error', async (t) => {
  for (const secret of [undefined, 'short', ['x'.repeat(40), 'tiny'], []]) {
    const app = Fastify();
    app.register(gaeSessions, secret === undefined ? {} : { secret });
    await t.rejects(app.ready(), { code: 'ERR_GAES_CONFIG' }, JSON.stringify(secret));
  }
});

t.test('resolveOptions validates, fills defaults and never mutates its input', async (t) => {
  const input = Object.freeze({ secret: 's'.repeat(32), cookie: Object.freeze({ sameSite: 'strict' as const }) });
  const r = resolveOptions(input);
  t.equal(r.lifetimeMs, 7 * 86_400_000);
  t.equal(r.idleTimeoutMs, 0);
  t.equal(r.cookieOnlyThreshold, 10_240);
  t.equal(r.cookieName, 'gaes');
  t.same(r.cookie, { path: '/', domain: undefined, sameSite: 'strict', secure: 'auto', partitioned: false });
  t.equal(resolveOptions({ secret: 's'.repeat(32), lifetime: '2h' }).lifetimeMs, 7_200_000);
  const bad: Array<Record<string, unknown>> = [
    { lifetime: 'forever' },
    { lifetime: 10 },
    { idleTimeout: '-1s' },
    { cookieOnlyThreshold: -1 },
    { cookieOnlyThreshold: 1.5 },
    { cookieOnlyThreshold: 10_000_000 },
    { maxSessionBytes: 2_000_000 },
    { cookieName: 'has space' },
    { cookieName: 'semi;colon' },
    { cookie: { path: 'relative' } },
    { cookie: { domain: 'bad domain' } },
    { cookie: { sameSite: 'sometimes' } },
    { cookie: { sameSite: 'none', secure: false } },
    { cookie: { secure: 'yes' } },
    { algorithm: 'rot13' },
    { keyring: { current: () => undefined } },
    { datastoreKind: '__reserved__' },
  ];
  for (const extra of bad) {
    t.throws(() => resolveOptions({ secret: 's'.repeat(32), ...extra } as never), { code: 'ERR_GAES_CONFIG' }, JSON.stringify(extra));
  }
});

t.test('with Datastore, the size limit is what one entity can hold once sealed', async (t) => {
  const secret = 's'.repeat(32);
  t.equal(resolveOptions({ secret }).maxSessionBytes, 1_048_576);
  // What one entity holds once sealed, for the longest kind, namespace and session meta.
  const derived = Math.min(DATASTORE_MAX_PROPERTY_BYTES, DATASTORE_MAX_ENTITY_BYTES - MAX_SESSION_ENTITY_OVERHEAD_BYTES) - MAX_SEAL_OVERHEAD_BYTES - MAX_RECORD_HEADER_BYTES;
  t.equal(MAX_DATASTORE_SESSION_BYTES, derived);
  t.equal(resolveOptions({ secret, datastore: { projectId: 'p' } }).maxSessionBytes, MAX_DATASTORE_SESSION_BYTES);
  t.equal(resolveOptions({ secret, datastore: { projectId: 'p' }, noDatastore: true }).maxSessionBytes, 1_048_576);
  t.throws(() => resolveOptions({ secret, datastore: { projectId: 'p' }, maxSessionBytes: 1_048_576 }), { code: 'ERR_GAES_CONFIG' });
  t.equal(resolveOptions({ secret, datastore: { projectId: 'p' }, datastoreRetry: { retries: 1 } }).datastore?.retry?.retries, 1);
});
