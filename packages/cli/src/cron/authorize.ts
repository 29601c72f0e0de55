import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** What a cron request may present. */
export interface CronAuthPolicy {
  /** Trust `X-Appengine-Cron: true` (App Engine only: it strips the header from outside traffic). */
  readonly appEngineCron: boolean;
  /** SHA-256 digests of the accepted bearer tokens. */
  readonly tokenDigests: readonly Buffer[];
}

/** The digest a token is compared by (equal length for every input, so the compare is constant-time). */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

const BEARER = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;

/**
 * Whether a request may run a cron job: `X-Appengine-Cron: true` where that is trusted, or
 * `Authorization: Bearer <token>` with an accepted token. Every token is compared (no early exit),
 * each in constant time, so timing tells nothing about how much of a guess was right.
 */
export function authorizeCron(headers: IncomingHttpHeaders, policy: CronAuthPolicy): boolean {
  if (policy.appEngineCron && headers['x-appengine-cron'] === 'true') return true;
  const match = typeof headers.authorization === 'string' ? BEARER.exec(headers.authorization) : null;
  const token = match?.[1];
  if (token === undefined || policy.tokenDigests.length === 0) return false;
  const presented = tokenDigest(token);
  let ok = false;
  for (const digest of policy.tokenDigests) ok = timingSafeEqual(presented, digest) || ok;
  return ok;
}
