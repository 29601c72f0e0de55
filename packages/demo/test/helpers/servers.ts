/** Demo servers on 127.0.0.1 for the browser suites, closed at the end of the test. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GaesSessionOptions } from '@gaes/fastify';
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { buildDemoApp } from '../../src/app.ts';

/** Builds the demo app, lets `extend` add routes, and listens on a free loopback port. */
export async function startDemo(
  t: Test,
  sessionOptions: Partial<GaesSessionOptions> = {},
  options: { https?: { key: string; cert: string }; extend?: (app: FastifyInstance) => void } = {},
): Promise<{ app: FastifyInstance; port: number }> {
  const app = await buildDemoApp(sessionOptions, options.https === undefined ? {} : { https: options.https });
  options.extend?.(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  return { app, port: (app.server.address() as AddressInfo).port };
}

/** A throwaway self-signed certificate for `names` (made with openssl at test time). */
export function selfSignedCertificate(names: readonly string[]): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gaes-tls-'));
  try {
    const san = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', `/CN=${names[0] ?? 'localhost'}`, '-addext', `subjectAltName=${san}`,
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'pipe' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
