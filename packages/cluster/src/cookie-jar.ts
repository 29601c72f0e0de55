/**
 * A browser-like cookie jar for one host: `Set-Cookie` replaces a cookie of the same name, `Max-Age=0` (or
 * negative) and an `Expires` in the past delete it. Browsers share cookies between ports of one host, so one
 * jar serves every instance of a cluster. Paths and domains are not tracked (the cluster's cookies have
 * distinct names).
 */
export class CookieJar {
  readonly #cookies: Map<string, string>;

  /** A jar holding `initial` cookies (a snapshot, or a `Cookie` header such as `gaes0=…; gaes1=…`). */
  constructor(initial?: ReadonlyMap<string, string> | string) {
    this.#cookies = typeof initial === 'string' ? parseCookieHeader(initial) : new Map(initial);
  }

  /** Applies a response's `Set-Cookie` headers. `nowMs` decides whether an `Expires` is in the past. */
  apply(setCookies: readonly string[], nowMs: number = Date.now()): void {
    for (const header of setCookies) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (isDeletion(attributes, nowMs)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  /** The `Cookie` header a browser would send ('' for an empty jar). */
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** A copy of the cookies now, to replay later (`new CookieJar(snapshot)`) or compare. */
  snapshot(): ReadonlyMap<string, string> {
    return new Map(this.#cookies);
  }

  /** Replaces every cookie by those of `snapshot`. */
  restore(snapshot: ReadonlyMap<string, string>): void {
    this.#cookies.clear();
    for (const [name, value] of snapshot) this.#cookies.set(name, value);
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  get size(): number {
    return this.#cookies.size;
  }

  clear(): void {
    this.#cookies.clear();
  }
}

function parseCookieHeader(header: string): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

function isDeletion(attributes: readonly string[], nowMs: number): boolean {
  for (const attribute of attributes) {
    const eq = attribute.indexOf('=');
    const name = (eq < 0 ? attribute : attribute.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : attribute.slice(eq + 1).trim();
    // Max-Age wins over Expires (RFC 6265 §5.3); a non-numeric Max-Age is ignored, as browsers do.
    if (name === 'max-age' && /^-?\d+$/.test(value)) return Number(value) <= 0;
  }
  for (const attribute of attributes) {
    const eq = attribute.indexOf('=');
    if (eq < 0 || attribute.slice(0, eq).trim().toLowerCase() !== 'expires') continue;
    const at = Date.parse(attribute.slice(eq + 1).trim());
    if (!Number.isNaN(at)) return at <= nowMs;
  }
  return false;
}
