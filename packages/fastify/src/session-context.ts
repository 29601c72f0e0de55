import type { EnvelopeCache, UserDirectory } from '@gaes/core';
import type { ResolvedOptions } from './options.ts';
import type { ServerStore } from './server-store.ts';
import type { CookieSettings } from './set-cookies.ts';
import type { RevocationFeed } from './users/revocation-feed.ts';
import type { SeenLog } from './users/seen-log.ts';

/** Users and their sessions (see `users/`). */
export interface UsersContext {
  /** Where user-bound session records and revocations live. */
  readonly directory: UserDirectory;
  /** This process's copy of the revocations, checked on every user-bound cookie. */
  readonly feed: RevocationFeed;
  /** Which sessions this process recorded as seen lately (one record write per `userSeenInterval`). */
  readonly seen: SeenLog;
}

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
  /** Users and their sessions. */
  readonly users: UsersContext;
}
