import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import { CookieJar } from './cookie-jar.ts';
import { ClusterError } from './errors.ts';

/** One answer, with what a test or benchmark needs from it. */
export interface ClientResponse<T = unknown> {
  /** Which instance answered (its index in the cluster's urls). */
  readonly instance: number;
  readonly status: number;
  /** The body, parsed when it is JSON. */
  readonly body: T;
  readonly headers: IncomingHttpHeaders;
  readonly setCookies: readonly string[];
  /** From sending the request to the end of the body, in ms. */
  readonly latencyMs: number;
}

/** Options of one request. */
export interface RequestOptions {
  /** Abort and fail with `ERR_GAES_CLUSTER_TIMEOUT` after this long. @default the client's timeout */
  readonly timeoutMs?: number;
  /** Send this `Cookie` header (e.g. an old snapshot's) instead of the jar's; the jar is then left as it is. */
  readonly cookieHeader?: string;
}

/** Options of {@link ClusterClient}. */
export interface ClusterClientOptions {
  /** The cookies to start with. @default an empty jar */
  readonly jar?: CookieJar;
  /** Keep-alive agents, one per url, shared with other clients (see {@link ClusterClient.fork}). @default new ones */
  readonly agents?: readonly Agent[];
  /** @default 30000 */
  readonly timeoutMs?: number;
}

/**
 * One browser talking to every instance of a cluster over real sockets: a cookie jar shared by all instances
 * (as a browser shares cookies between ports of one host) and a keep-alive agent per instance.
 * @example
 * const alice = new ClusterClient(cluster.urls);
 * await alice.post(0, '/login');            // instance 0
 * const old = alice.jar.header();
 * await alice.post(1, '/logout');           // instance 1
 * await alice.get(2, '/state', { cookieHeader: old }); // replay the pre-logout cookie on instance 2
 * alice.close();
 */
export class ClusterClient {
  readonly urls: readonly string[];
  readonly jar: CookieJar;
  readonly #agents: readonly Agent[];
  readonly #ownsAgents: boolean;
  readonly #timeoutMs: number;

  constructor(urls: readonly string[], options: ClusterClientOptions = {}) {
    if (options.agents !== undefined && options.agents.length !== urls.length) throw new RangeError('one agent per url');
    this.urls = urls;
    this.jar = options.jar ?? new CookieJar();
    this.#ownsAgents = options.agents === undefined;
    this.#agents = options.agents ?? urls.map(() => new Agent({ keepAlive: true }));
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Another browser on the same agents: an empty jar, or a copy of `cookies` (e.g. an old snapshot). */
  fork(cookies?: ReadonlyMap<string, string> | string): ClusterClient {
    return new ClusterClient(this.urls, { jar: new CookieJar(cookies), agents: this.#agents, timeoutMs: this.#timeoutMs });
  }

  get<T = unknown>(instance: number, path: string, options?: RequestOptions): Promise<ClientResponse<T>> {
    return this.request<T>(instance, 'GET', path, options);
  }

  post<T = unknown>(instance: number, path: string, options?: RequestOptions): Promise<ClientResponse<T>> {
    return this.request<T>(instance, 'POST', path, options);
  }

  /**
   * Sends one request to instance `instance` with the jar's cookies and applies the answer's `Set-Cookie`
   * headers to the jar (unless `cookieHeader` was given). Any status is an answer; only a socket failure or a
   * timeout throws.
   * @throws {ClusterError} `ERR_GAES_CLUSTER_TIMEOUT`, `ERR_GAES_CLUSTER_REQUEST`; {@link RangeError} for an unknown instance.
   */
  async request<T = unknown>(instance: number, method: 'GET' | 'POST', path: string, options: RequestOptions = {}): Promise<ClientResponse<T>> {
    const base = this.urls[instance];
    const agent = this.#agents[instance];
    if (base === undefined || agent === undefined) throw new RangeError(`no instance #${instance} (there are ${this.urls.length})`);
    const cookie = options.cookieHeader ?? this.jar.header();
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const url = new URL(path, base);
    const started = performance.now();
    const answer = await new Promise<{ status: number; headers: IncomingHttpHeaders; text: string }>((resolve, reject) => {
      const req = httpRequest(url, {
        method,
        agent,
        headers: { ...(cookie === '' ? {} : { cookie }), ...(method === 'POST' ? { 'content-length': '0' } : {}) },
      });
      const timer = setTimeout(() => {
        req.destroy(new ClusterError('ERR_GAES_CLUSTER_TIMEOUT', `${method} ${path} on instance #${instance}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      req.once('error', (err) => {
        clearTimeout(timer);
        reject(err instanceof ClusterError ? err : new ClusterError('ERR_GAES_CLUSTER_REQUEST', `${method} ${path} on instance #${instance} failed: ${err.message}`, { cause: err }));
      });
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.once('error', (err) => req.destroy(err));
      });
      req.end();
    });
    const latencyMs = performance.now() - started;
    const raw = answer.headers['set-cookie'];
    const setCookies = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    if (options.cookieHeader === undefined) this.jar.apply(setCookies);
    const isJson = (answer.headers['content-type'] ?? '').includes('json');
    let body: unknown = answer.text;
    if (isJson && answer.text !== '') {
      try {
        body = JSON.parse(answer.text);
      } catch {
        // not JSON after all: keep the text
      }
    }
    return { instance, status: answer.status, body: body as T, headers: answer.headers, setCookies, latencyMs };
  }

  /** Closes the keep-alive sockets (only when this client created its agents). */
  close(): void {
    if (this.#ownsAgents) for (const agent of this.#agents) agent.destroy();
  }
}
