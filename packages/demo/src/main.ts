import type { AddressInfo } from 'node:net';
import { gaesCron } from '@gaes/cli';
import { ConfigError } from '@gaes/core';
import { DatastoreKeyRing } from '@gaes/datastore';
import { Datastore } from '@google-cloud/datastore';
import type { GaesSessionOptions } from '@gaes/fastify';
import { buildDemoApp } from './app.ts';
import { DEMO_SECRET, demoSecret, googleCloudPlatform } from './secret.ts';

/**
 * Starts the demo. With no configuration it runs on embedded defaults: an in-memory cache and an
 * in-process Datastore emulator, so all three tiers work without a cloud account. Set
 * `GOOGLE_CLOUD_PROJECT` (and credentials) or `DATASTORE_EMULATOR_HOST` to use a real Datastore,
 * or `DEMO_NO_DATASTORE=1` for cookies + cache only.
 *
 * On App Engine and Cloud Run it refuses to start with the built-in demo secret: it exits at once with one
 * line saying to set `SESSION_SECRET` (or `GAES_MASTER_SECRET`, for a key ring in Datastore).
 */
async function main(): Promise<void> {
  // With a master secret (and a Datastore), the cookie keys live in a Datastore key ring that
  // `gaes-keys rotate` changes live; otherwise one session secret seals them.
  const masterSecret = process.env.GAES_MASTER_SECRET;
  const useKeyring = process.env.DEMO_NO_DATASTORE !== '1' && masterSecret !== undefined && masterSecret !== '';
  let secret: string | undefined;
  try {
    secret = useKeyring ? undefined : demoSecret(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`gaes demo: ${err.message}\n`);
    process.exitCode = 1;
    return;
  }
  const port = Number(process.env.PORT ?? 8080);
  const onGoogleCloud = googleCloudPlatform(process.env) !== undefined;
  // Loopback unless told otherwise, or on App Engine / Cloud Run, which route to the instance.
  const host = process.env.HOST ?? (onGoogleCloud ? '0.0.0.0' : '127.0.0.1');
  let datastore: Datastore | undefined;
  let stopEmulator: (() => Promise<void>) | undefined;
  let where = 'cookies + in-memory cache';

  if (process.env.DEMO_NO_DATASTORE !== '1') {
    if (process.env.DATASTORE_EMULATOR_HOST !== undefined || process.env.GOOGLE_CLOUD_PROJECT !== undefined) {
      datastore = new Datastore();
      where = `cookies + cache + Datastore (${process.env.DATASTORE_EMULATOR_HOST ?? process.env.GOOGLE_CLOUD_PROJECT})`;
    } else {
      process.env.METADATA_SERVER_DETECTION ??= 'none';
      const { DatastoreEmulator } = await import('@gaes/datastore-emulator');
      const emulator = await DatastoreEmulator.start();
      stopEmulator = () => emulator.stop();
      datastore = new Datastore({ projectId: 'gaes-demo', apiEndpoint: emulator.host });
      where = `cookies + cache + in-process Datastore emulator (${emulator.host})`;
    }
  }

  const keyring = useKeyring && datastore !== undefined ? await DatastoreKeyRing.open({ datastore, masterSecret }) : undefined;
  const options: Partial<GaesSessionOptions> = {
    ...(datastore === undefined ? {} : { datastore }),
    ...(keyring !== undefined ? { keyring } : secret !== undefined ? { secret } : {}),
  };
  const app = await buildDemoApp(options, { logger: { level: process.env.LOG_LEVEL ?? 'info' } });
  const token = process.env.GAES_CRON_TOKEN;
  if (datastore !== undefined && (process.env.GAE_SERVICE !== undefined || (token !== undefined && token !== ''))) {
    // The routes cron.yaml calls: /_gaes/cleanup (and /_gaes/rotate-keys with a key ring); served on App
    // Engine (cron header) or with a bearer token (Cloud Scheduler).
    await app.register(gaesCron, {
      datastore,
      rotateKeys: keyring === undefined ? false : { masterSecret: masterSecret as string },
      ...(token !== undefined && token !== '' ? { bearerToken: token } : {}),
    });
  }
  app.addHook('onClose', async () => {
    keyring?.close();
    await stopEmulator?.();
  });
  if (secret === DEMO_SECRET) {
    app.log.warn('using the built-in demo secret: set SESSION_SECRET (32+ random bytes) for anything real');
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app.close().then(() => process.exit(0));
    });
  }
  await app.listen({ port, host });
  const bound = (app.server.address() as AddressInfo).port; // the port given, or the one chosen for PORT=0
  app.log.info(`gaes demo: http://${host === '0.0.0.0' ? 'localhost' : host}:${bound}/ — sessions in ${where}`);
}

await main();
