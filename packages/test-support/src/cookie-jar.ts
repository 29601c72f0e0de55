/**
 * A browser's cookies for `app.inject` tests (no sockets: `@gaes/cluster` has its own jar for real HTTP).
 * Typed by the shapes it uses, so it needs no Fastify types: a `LightMyRequestResponse` is an
 * {@link InjectedResponse} and a `FastifyInstance` an {@link Injector}.
 */

/** What the jar reads of a response: its headers (`set-cookie` a string or a list of them). */
export interface InjectedResponse {
  readonly headers: Readonly<Record<string, unknown>>;
}

/** The Set-Cookie headers of `res`, as a list. */
export function setCookieHeaders(res: InjectedResponse): string[] {
  const raw = res.headers['set-cookie'];
  if (raw === undefined) return [];
  return Array.isArray(raw) ? raw.map(String) : [String(raw)];
}

/** A tiny browser-like cookie jar for `app.inject`. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  /** Applies a response's Set-Cookie headers (Max-Age=0 deletes). Returns the headers. */
  apply(res: InjectedResponse): string[] {
    const headers = setCookieHeaders(res);
    for (const h of headers) {
      const [pair, ...attrs] = h.split(';');
      const eq = (pair as string).indexOf('=');
      const name = (pair as string).slice(0, eq).trim();
      const value = (pair as string).slice(eq + 1);
      if (attrs.some((a) => a.trim().toLowerCase() === 'max-age=0')) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return headers;
  }

  /** The `Cookie` header the browser would send (`''` when the jar is empty). */
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** The first chunk of the session cookie, in whichever slot it is (`gaes_0` after a login, else `gaes0`). */
  sessionCookie(): string | undefined {
    return this.cookies.get('gaes_0') ?? this.cookies.get('gaes0');
  }

  get size(): number {
    return this.cookies.size;
  }
}

/** What {@link Client} needs of an app: Fastify's `inject`. */
export interface Injector<R extends InjectedResponse> {
  inject(options: { method: 'GET' | 'POST'; url: string; headers: Record<string, string> }): PromiseLike<R>;
}

/** One browser: a cookie jar plus `inject` that sends and keeps cookies. */
export class Client<R extends InjectedResponse = InjectedResponse> {
  readonly jar = new CookieJar();
  readonly #app: Injector<R>;

  constructor(app: Injector<R>) {
    this.#app = app;
  }

  async request(method: 'GET' | 'POST', url: string): Promise<R> {
    const cookie = this.jar.header();
    const res = await this.#app.inject({ method, url, headers: cookie === '' ? {} : { cookie } });
    this.jar.apply(res);
    return res;
  }
}
