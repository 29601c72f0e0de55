import { chunkedSetCookies, serializeAttributes, type SessionCookieAttributes } from '@gaes/core';
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

/**
 * The attribute strings of the session cookies after `Max-Age` (`; Path=…; HttpOnly; …`), without and with
 * `Secure`, made once per settings: a response only adds its Max-Age.
 */
const suffixes = new WeakMap<CookieSettings, readonly [string, string]>();
function attributeSuffix(settings: CookieSettings, secure: boolean): string {
  let pair = suffixes.get(settings);
  if (pair === undefined) {
    const attrs = (s: boolean): SessionCookieAttributes => ({ path: settings.path, domain: settings.domain, sameSite: settings.sameSite, secure: s, partitioned: settings.partitioned });
    pair = [serializeAttributes(attrs(false), undefined), serializeAttributes(attrs(true), undefined)];
    suffixes.set(settings, pair);
  }
  return pair[secure ? 1 : 0];
}

/** Whether this response's cookies are `Secure`: for SSL-only sessions, always, or (auto) on HTTPS requests. */
export function secureCookies(settings: CookieSettings, sslOnly: boolean, https: boolean): boolean {
  return sslOnly || settings.secure === true || (settings.secure === 'auto' && https);
}

/**
 * The Set-Cookie headers that store `value` in `slot` (`chunks` of them), then clear that slot's chunks the
 * new value no longer uses. `Max-Age` is rounded up: a live session never gets `Max-Age=0`.
 */
export function writeSlot(
  settings: CookieSettings,
  slot: Slot,
  value: string,
  secure: boolean,
  maxAgeSeconds: number,
  present: Presence,
): { readonly headers: string[]; readonly chunks: number } {
  const name = settings.names[slot];
  const suffix = attributeSuffix(settings, secure);
  const headers = chunkedSetCookies(name, value, `; Max-Age=${Math.max(0, Math.ceil(maxAgeSeconds))}${suffix}`);
  const chunks = headers.length;
  for (let i = chunks; i < present[slot]; i++) headers.push(`${name}${i}=; Max-Age=0${suffix}`);
  return { headers, chunks };
}

/** Set-Cookie headers that clear every chunk of `slot` the request carried. */
export function clearSlot(settings: CookieSettings, slot: Slot, secure: boolean, present: Presence): string[] {
  const suffix = attributeSuffix(settings, secure);
  const headers: string[] = [];
  for (let i = 0; i < present[slot]; i++) headers.push(`${settings.names[slot]}${i}=; Max-Age=0${suffix}`);
  return headers;
}
