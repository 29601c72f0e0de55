import { GaesError } from '@gaes/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { cleanup } from '../cleanup.ts';
import { exitCodeFor } from '../exit-code.ts';
import { toFailure } from '../failure.ts';
import { keys } from '../keys.ts';
import { authorizeCron } from './authorize.ts';
import { resolveCronOptions, type GaesCronOptions, type ResolvedCronOptions } from './options.ts';

/** The onRequest hook that lets only cron requests through. */
type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

/** Answers a failed run with the CLI's `--json` error shape and the error's HTTP status (503 when Datastore is unavailable). */
async function fail(request: FastifyRequest, reply: FastifyReply, command: string, err: unknown): Promise<FastifyReply> {
  request.log.error({ err }, `gaes ${command} failed`);
  const failure = toFailure(err);
  const status = err instanceof GaesError && err.statusCode >= 500 ? err.statusCode : 500;
  return reply.code(status).send({ command, ...failure, exitCode: exitCodeFor(failure.status) });
}

function registerCleanup(app: FastifyInstance, o: ResolvedCronOptions, guard: Guard): void {
  const settings = o.cleanup;
  if (settings === undefined) return;
  app.get(`${o.prefix}/cleanup`, { onRequest: guard }, async (request, reply) => {
    try {
      const result = await cleanup({
        datastore: o.datastore,
        kind: settings.kind,
        namespace: settings.namespace,
        olderThanMs: settings.olderThanMs,
        batchSize: settings.batchSize,
        maxTimeMs: o.timeBudgetMs,
        now: o.now(),
        clock: o.now,
      });
      request.log.info(
        { deleted: result.deleted, scanned: result.scanned, records: result.records.deleted, revocations: result.revocations.deleted, status: result.status },
        'gaes cleanup',
      );
      return { ...result, exitCode: exitCodeFor(result.status) };
    } catch (err) {
      return fail(request, reply, 'cleanup', err);
    }
  });
}

function registerRotateKeys(app: FastifyInstance, o: ResolvedCronOptions, guard: Guard): void {
  const ring = o.rotateKeys;
  if (ring === undefined) return;
  app.get(`${o.prefix}/rotate-keys`, { onRequest: guard }, async (request, reply) => {
    try {
      const now = o.now();
      const options = { ...ring, ringKind: ring.kind, ringName: ring.name, datastore: o.datastore, now };
      // Rotate, then retire, at the same instant: each is one transaction on the ring entity, and
      // both are safe to rerun (rotate changes nothing while a key is staged).
      const rotate = await keys('rotate', options);
      const retire = await keys('retire', options);
      request.log.info({ rotated: rotate.outcome, stagedId: rotate.stagedId, removed: retire.removed }, 'gaes rotate-keys');
      return { command: 'rotate-keys', status: 'done', exitCode: exitCodeFor('done'), rotate, retire };
    } catch (err) {
      return fail(request, reply, 'rotate-keys', err);
    }
  });
}

/** Registers the routes (documented on {@link gaesCron}). */
async function gaesCronPlugin(app: FastifyInstance, options: GaesCronOptions): Promise<void> {
  const o = resolveCronOptions(options);
  if (!o.appEngineCron && o.tokenDigests.length === 0 && o.authorize === undefined) {
    app.log.warn('gaes cron routes: neither App Engine cron (not on App Engine) nor a bearer token is accepted, so every request gets 403');
  }
  const guard: Guard = async (request, reply) => {
    if (authorizeCron(request.headers, o)) return undefined;
    if (o.authorize !== undefined && (await o.authorize(request)) === true) return undefined;
    return reply.code(403).send({ error: 'forbidden', message: 'cron requests only: X-Appengine-Cron or a bearer token' });
  };
  registerCleanup(app, o, guard);
  registerRotateKeys(app, o, guard);
}

/**
 * Registers `GET <prefix>/cleanup` and `GET <prefix>/rotate-keys` (prefix `/_gaes` by default): the
 * work of `gaes-cleanup` and `gaes-keys rotate` + `retire`, for App Engine's cron.yaml or Cloud
 * Scheduler. A request is served only with `X-Appengine-Cron: true` (where `appEngineCron` is on), an
 * accepted bearer token, or when `authorize` accepts it; anything else gets 403 and does nothing. Each run stops starting new
 * batches after `timeBudget` and answers with the JSON object `--json` prints (`status: 'partial'`
 * when work is left for the next run; errors answer 500, or 503 when Datastore is unavailable).
 *
 * @throws {ConfigError} at `app.ready()` for invalid options (no datastore, no master secret, a short token)
 * @example
 * await app.register(gaesCron, { datastore, bearerToken: process.env.GAES_CRON_TOKEN });
 */
export const gaesCron = fp(gaesCronPlugin, { fastify: '5.x', name: '@gaes/cli/cron' });
