import { ConfigError } from '@gaes/core';

/** A demo-only secret, so the demo starts with no configuration. Never use it in an app. */
export const DEMO_SECRET = 'gaes-demo-secret--not-for-production--0123456789';

/** The variables App Engine (`GAE_SERVICE`) and Cloud Run (`K_SERVICE`) set in every instance. */
const GOOGLE_CLOUD: ReadonlyArray<readonly [variable: string, platform: string]> = [
  ['GAE_SERVICE', 'App Engine'],
  ['K_SERVICE', 'Cloud Run'],
];

/** The variable that says the demo runs on App Engine or Cloud Run, and which; `undefined` elsewhere. */
export function googleCloudPlatform(env: NodeJS.ProcessEnv): { readonly variable: string; readonly platform: string } | undefined {
  const found = GOOGLE_CLOUD.find(([variable]) => env[variable] !== undefined);
  return found === undefined ? undefined : { variable: found[0], platform: found[1] };
}

/**
 * The secret the demo seals cookies with: `SESSION_SECRET`, or else the built-in {@link DEMO_SECRET} — which
 * anyone can read in this repository, so it is refused on App Engine and Cloud Run, where the demo faces the
 * internet: there anyone could forge sessions with it.
 * @throws {ConfigError} on App Engine or Cloud Run without `SESSION_SECRET` (or with the built-in one in it).
 */
export function demoSecret(env: NodeJS.ProcessEnv): string {
  const configured = env['SESSION_SECRET'];
  const secret = configured === undefined || configured === '' ? DEMO_SECRET : configured;
  const cloud = googleCloudPlatform(env);
  if (secret === DEMO_SECRET && cloud !== undefined) {
    throw new ConfigError(
      `refusing the built-in demo secret on ${cloud.platform} (${cloud.variable} is set): set SESSION_SECRET to 32+ random bytes ` +
        '(e.g. `openssl rand -base64 48`, kept in Secret Manager), or GAES_MASTER_SECRET for a key ring in Datastore',
    );
  }
  return secret;
}
