import type { EnvelopeCache, SessionEnvelope } from '@gaes/core';
import type { ResolvedOptions } from './options.ts';
import type { ServerStore } from './server-store.ts';
import type { CookieSettings } from './set-cookies.ts';

/** What every request's session shares, built once when the plugin registers. */
export interface SessionContext {
  readonly opts: ResolvedOptions;
  /** The server-side tiers. */
  readonly store: ServerStore;
  /** Recently opened cookies, so a repeated cookie is not decrypted again. */
  readonly envelopes: EnvelopeCache;
  /** Names and attributes of the session cookies. */
  readonly cookies: CookieSettings;
  /** Running on App Engine or Cloud Run (see `secureByDefault`). */
  readonly onGoogleCloud: boolean;
  /** Whether a user-bound session was ended by `endSession`/`endAllSessions` (see `users/`). */
  readonly isRevoked?: ((envelope: SessionEnvelope) => boolean) | undefined;
}
