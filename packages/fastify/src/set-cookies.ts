import { chunkedSetCookies, clearingSetCookie, serializeAttributes, type SessionCookieAttributes } from '@gaes/core';
import type { Presence, Slot } from './incoming.ts';

/** The cookie settings the session cookies are written with (from the resolved options). */
export interface CookieSettings {
  /** The two slot names (`<name>` and `<name>_`); chunk `i` of a slot is `<slot name><i>`. */
  readonly names: readonly [string, string];
  readonly path: string;
  readonly domain: string | undefined;
  readonly sameSite: 'lax' | 'strict' | 'none' | false;
  readonly secure: boolean | 'auto';
  readonly partitioned: boolean;
}

/** The attributes for this response: `Secure` for SSL-only sessions, always, or (auto) on HTTPS requests. */
export function cookieAttributes(settings: CookieSettings, sslOnly: boolean, https: boolean): SessionCookieAttributes {
  const secure = sslOnly || settings.secure === true || (settings.secure === 'auto' && https);
  return { path: settings.path, domain: settings.domain, sameSite: settings.sameSite, secure, partitioned: settings.partitioned };
}

/**
 * The Set-Cookie headers that store `value` in `slot` (`chunks` of them), then clear that slot's chunks the
 * new value no longer uses.
 */
export function writeSlot(
  settings: CookieSettings,
  slot: Slot,
  value: string,
  attrs: SessionCookieAttributes,
  maxAgeSeconds: number,
  present: Presence,
): { readonly headers: string[]; readonly chunks: number } {
  const name = settings.names[slot];
  const headers = chunkedSetCookies(name, value, serializeAttributes(attrs, maxAgeSeconds));
  const chunks = headers.length;
  for (let i = chunks; i < present[slot]; i++) headers.push(clearingSetCookie(`${name}${i}`, attrs));
  return { headers, chunks };
}

/** Set-Cookie headers that clear every chunk of `slot` the request carried. */
export function clearSlot(settings: CookieSettings, slot: Slot, attrs: SessionCookieAttributes, present: Presence): string[] {
  const headers: string[] = [];
  for (let i = 0; i < present[slot]; i++) headers.push(clearingSetCookie(`${settings.names[slot]}${i}`, attrs));
  return headers;
}
