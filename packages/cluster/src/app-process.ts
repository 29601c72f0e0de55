/**
 * One instance of the cluster app, run as its own process:
 * `GAES_CLUSTER_CONFIG='{"cache":"memory"}' node --conditions=@gaes/source packages/cluster/src/app-process.ts`.
 * Listens on 127.0.0.1 (a free port), prints `GAES_CLUSTER_READY <port>` on stdout, logs at warn to stderr,
 * and closes the app cleanly on SIGTERM or SIGINT. Routes (built in `app.ts` and `user-routes.ts`, inside the
 * plugin's scope): `GET /inc`, `GET /state`, `POST /set?k=&v=`, `POST /set-quick?k=&v=`,
 * `POST /set-writer?k=&w=[&quick=1]` (a value carrying writer `w` in several fields, and `<k>.by`),
 * `POST /login`, `POST /logout`, `GET /untouched`, the user routes `POST /users/login/:user?device=`,
 * `GET /users/me`, `GET /users/sessions`, `POST /users/end/:handle`, `POST /users/end-others`,
 * `GET /_cluster/stats`, and the same session routes under `/cookie/` with `cookieTierRoutes`.
 */
import { buildClusterApp } from './app.ts';
import { configFromEnv, READY_PREFIX } from './config.ts';

// The Datastore client must never wait for a GCE metadata server.
process.env['METADATA_SERVER_DETECTION'] ??= 'none';

try {
  const { app } = await buildClusterApp(configFromEnv());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`close failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.stdout.write(`${READY_PREFIX}${port}\n`);
} catch (err) {
  const code = (err as { code?: unknown }).code;
  process.stderr.write(`gaes cluster app failed to start${typeof code === 'string' ? ` (${code})` : ''}: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
