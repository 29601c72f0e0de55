/**
 * Session cookies: Set-Cookie serialisation and splitting one sealed value over `<name>0`, `<name>1`, …
 * so that every Set-Cookie header stays within {@link MAX_SET_COOKIE_BYTES}.
 *
 * When a value needs more than one cookie, the first chunk starts with `<count>.` ('.' never occurs in
 * base64url), so a reader knows exactly how many chunks to join and ignores leftovers.
 */
export const MAX_SET_COOKIE_BYTES = 4096;

/** More chunks than this are never read (a cookie-bomb guard); 1 MiB sessions live server-side anyway. */
export const MAX_COOKIE_CHUNKS = 64;

/** Cookie attributes for session cookies. `HttpOnly` is always set. */
export interface SessionCookieAttributes {
  readonly path: string;
  readonly domain?: string | undefined;
  readonly sameSite: 'lax' | 'strict' | 'none' | false;
  readonly secure: boolean;
  readonly partitioned?: boolean | undefined;
}

const SAME_SITE = { lax: 'Lax', strict: 'Strict', none: 'None' } as const;

/**
 * `; Max-Age=…; Path=…; …` for a session cookie (Max-Age omitted when `maxAgeSeconds` is undefined).
 * Max-Age is rounded UP to whole seconds: a live session's cookie never gets `Max-Age=0`, which tells a
 * browser to delete it at once (only a clearing cookie passes 0).
 */
export function serializeAttributes(attrs: SessionCookieAttributes, maxAgeSeconds: number | undefined): string {
  let out = maxAgeSeconds === undefined ? '' : `; Max-Age=${Math.max(0, Math.ceil(maxAgeSeconds))}`;
  if (attrs.domain !== undefined) out += `; Domain=${attrs.domain}`;
  out += `; Path=${attrs.path}; HttpOnly`;
  if (attrs.secure) out += '; Secure';
  if (attrs.sameSite !== false) out += `; SameSite=${SAME_SITE[attrs.sameSite]}`;
  if (attrs.partitioned === true) out += '; Partitioned';
  return out;
}

/** The Set-Cookie headers that store `value` under `<name>0…<name>N-1`. */
export function chunkedSetCookies(name: string, value: string, attributes: string): string[] {
  // Room for the value in one header: minus `name` + up to 2 index digits + '=' + attributes.
  const room = MAX_SET_COOKIE_BYTES - name.length - 3 - attributes.length;
  if (value.length <= room) return [`${name}0=${value}${attributes}`];
  // The first chunk also carries the `<count>.` prefix (at most 3 characters for 64 chunks).
  const perChunk = room;
  let count = 2;
  while (value.length + String(count).length + 1 > count * perChunk) count++;
  const headers: string[] = [];
  let offset = perChunk - (String(count).length + 1);
  headers.push(`${name}0=${count}.${value.slice(0, offset)}${attributes}`);
  for (let i = 1; i < count; i++) {
    headers.push(`${name}${i}=${value.slice(offset, offset + perChunk)}${attributes}`);
    offset += perChunk;
  }
  return headers;
}

/** A Set-Cookie header that deletes `name` (the attributes must carry the same Path and Domain). */
export function clearingSetCookie(name: string, attrs: SessionCookieAttributes): string {
  return `${name}=${serializeAttributes(attrs, 0)}`;
}

/** What {@link readChunkedCookie} found. */
export interface ChunkedCookie {
  /** The joined value, or `undefined` when absent or inconsistent. */
  readonly value: string | undefined;
  /** How many consecutive `<name>i` cookies the request carried (to clear stale ones). */
  readonly present: number;
}

/**
 * Joins `<name>0…` from a request's cookies. A missing, duplicated-count or over-long chunk set gives
 * `value: undefined` (treated like any bad cookie).
 */
export function readChunkedCookie(cookies: Readonly<Record<string, string | undefined>>, name: string): ChunkedCookie {
  const names = chunkNames(name);
  const first = cookies[names[0] as string];
  if (first === undefined) return { value: undefined, present: 0 };
  const dot = first.indexOf('.');
  if (dot === -1) return { value: first, present: countPresent(cookies, name, 1) };
  const count = dot > 0 && dot <= 2 ? Number(first.slice(0, dot)) : Number.NaN;
  const present = countPresent(cookies, name, 1);
  if (!Number.isInteger(count) || count < 2 || count > MAX_COOKIE_CHUNKS || present < count) {
    return { value: undefined, present };
  }
  let value = first.slice(dot + 1);
  for (let i = 1; i < count; i++) value += cookies[names[i] as string];
  return { value, present };
}

function countPresent(cookies: Readonly<Record<string, string | undefined>>, name: string, from: number): number {
  const names = chunkNames(name);
  let i = from;
  while (i < MAX_COOKIE_CHUNKS && cookies[names[i] as string] !== undefined) i++;
  return i;
}

/** `<name>0` … `<name>63`, made once per base name (a reader looks them up on every request). */
const namesByBase = new Map<string, readonly string[]>();
function chunkNames(name: string): readonly string[] {
  let names = namesByBase.get(name);
  if (names === undefined) {
    names = Array.from({ length: MAX_COOKIE_CHUNKS }, (_, i) => `${name}${i}`);
    if (namesByBase.size < 16) namesByBase.set(name, names);
  }
  return names;
}
