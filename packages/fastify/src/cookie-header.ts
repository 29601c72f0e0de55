/**
 * gaes reads its own cookies straight from the `Cookie` header, only when a session is used, and only the
 * ones it named: a request that never touches the session parses nothing, and an app need not register
 * `@fastify/cookie` (if it does, with or without a signing secret, nothing changes: the header is the same).
 *
 * Parsing follows `@fastify/cookie` (the `cookie` package, version 2) for the names gaes cares about: pairs split
 * on `;`, names and values trimmed (quotes are kept), a value holding `%` URL-decoded (kept as it is if that
 * fails), the first occurrence of a name wins. A gaes value is base64url (with a `<count>.` prefix on a first
 * chunk), which none of this changes.
 */

/** A value as the `cookie` package gives it: URL-decoded only when it holds `%`, raw if decoding fails. */
function decodeValue(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Whether `code` is a decimal digit. */
function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** `<base>0` … `<base>99` for each base, made once: the names found are returned as these strings. */
const namesByBases = new WeakMap<readonly [string, string], readonly [readonly string[], readonly string[]]>();
function chunkNames(bases: readonly [string, string]): readonly [readonly string[], readonly string[]] {
  let names = namesByBases.get(bases);
  if (names === undefined) {
    const make = (base: string): string[] => Array.from({ length: 100 }, (_, i) => `${base}${i}`);
    names = [make(bases[0]), make(bases[1])];
    namesByBases.set(bases, names);
  }
  return names;
}

/**
 * The chunk name spelled by `header[from, to)` — `<base>` followed by 1 or 2 digits, for either base — as
 * a string of {@link chunkNames}, or `undefined`. (A chunk index never needs more than two digits: at most 64
 * chunks are read.) Returning the made-once string matters: a name sliced out of the header, used as a key,
 * costs V8 about a microsecond to internalise.
 */
function chunkName(header: string, from: number, to: number, bases: readonly [string, string]): string | undefined {
  const names = chunkNames(bases);
  for (let slot = 0; slot < 2; slot++) {
    const base = bases[slot] as string;
    const digits = to - from - base.length;
    if (digits < 1 || digits > 2 || !header.startsWith(base, from)) continue;
    const d0 = header.charCodeAt(from + base.length);
    if (!isDigit(d0)) continue;
    if (digits === 1) return names[slot]?.[d0 - 48];
    // Two digits with a leading zero (`<base>00`) name no chunk: readers look for `<base>0`…`<base>63` only.
    const d1 = header.charCodeAt(from + base.length + 1);
    if (isDigit(d1) && d0 !== 48) return names[slot]?.[(d0 - 48) * 10 + (d1 - 48)];
  }
  return undefined;
}

/**
 * The session cookies in a `Cookie` header: every `<base><i>` of both slot bases, as a name → value record;
 * `undefined` when there are none (or no header). Found by searching for the bases, not by splitting the
 * whole header: the other cookies of a request (often most of its header) are never looked at.
 */
export function sessionCookies(header: string | undefined, bases: readonly [string, string]): Record<string, string> | undefined {
  if (header === undefined || header === '') return undefined;
  let found: Record<string, string> | undefined;
  // The second base extends the first (`gaes` → `gaes_`), so searching for the shorter one finds both.
  const base = bases[0].length <= bases[1].length ? bases[0] : bases[1];
  let from = 0;
  for (;;) {
    const at = header.indexOf(base, from);
    if (at === -1) return found;
    from = at + base.length;
    if (!startsName(header, at)) continue;
    const eq = header.indexOf('=', from);
    if (eq === -1) return found;
    let end = header.indexOf(';', from);
    if (end === -1) end = header.length;
    if (eq > end) continue;
    let nameEnd = eq;
    while (nameEnd > at && (header.charCodeAt(nameEnd - 1) === 32 || header.charCodeAt(nameEnd - 1) === 9)) nameEnd--;
    const name = chunkName(header, at, nameEnd, bases);
    if (name === undefined || (found !== undefined && found[name] !== undefined)) continue;
    found ??= {};
    found[name] = decodeValue(header.slice(eq + 1, end).trim());
    from = end;
  }
}

/** Whether a name starting at `at` is a whole name: at the start of the header or after `;` and spaces. */
function startsName(header: string, at: number): boolean {
  let before = at - 1;
  while (before >= 0 && (header.charCodeAt(before) === 32 || header.charCodeAt(before) === 9)) before--;
  return before < 0 || header.charCodeAt(before) === 59;
}

/**
 * The value of cookie `name` in a `Cookie` header, or `undefined`: a cheap look for one cookie, without
 * parsing the rest (used before the handler to see whether a session cookie points server-side).
 */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  let from = 0;
  for (;;) {
    const at = header.indexOf(name, from);
    if (at === -1) return undefined;
    from = at + name.length;
    // A whole name: at the start or after `;` (and spaces), and followed by `=` (after spaces).
    if (!startsName(header, at)) continue;
    let eq = from;
    while (eq < header.length && (header.charCodeAt(eq) === 32 || header.charCodeAt(eq) === 9)) eq++;
    if (header.charCodeAt(eq) !== 61) continue;
    let end = header.indexOf(';', eq + 1);
    if (end === -1) end = header.length;
    return decodeValue(header.slice(eq + 1, end).trim());
  }
}
