/**
 * Soak test: `pnpm soak`. A million mixed requests (SOAK_REQUESTS) against one gaes server on 127.0.0.1,
 * over a few keep-alive connections, bounded in time (SOAK_MAX_SECONDS). The server runs in a child
 * process so its heap and RSS are its own; they are sampled after a forced GC. Every virtual client
 * checks its own counter on every answer, so lost or crossed sessions show as consistency errors.
 * Prints a markdown summary and writes it to bench/results/soak-<date>.md. Exits 1 on any error.
 *
 *   SOAK_REQUESTS=1000000 SOAK_MAX_SECONDS=600 SOAK_CONNECTIONS=8 SOAK_CLIENTS=400 pnpm soak
 *
 * SOAK_MIX=grow:1,shrink:1 runs only some actions (to bisect a growth); SOAK_SAMPLE_MS sets the
 * sampling interval (default 2000). The first 20% of the requests are warm-up; growth compares the
 * samples just after it with the last ones.
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

interface Sample {
  readonly requests: number;
  readonly seconds: number;
  readonly heapUsedMb: number;
  readonly rssMb: number;
  readonly externalMb: number;
  readonly cacheEntries: number;
  readonly durableEntities: number;
}

type ServerMessage = { port: number } | { sample: Omit<Sample, 'requests' | 'seconds'> };

const MB = 1024 * 1024;

// ---- server (child process) -----------------------------------------------------------------------

async function server(): Promise<void> {
  const [{ default: Fastify }, { Keyv }, { default: gaeSessions }] = await Promise.all([
    import('fastify'),
    import('keyv'),
    import('@gaes/fastify'),
  ]);
  const cacheMap = new Map<string, unknown>();
  const durable = new Map<string, Uint8Array>();
  const app = Fastify({ logger: false });
  await app.register(gaeSessions, {
    secret: 'soak-secret-soak-secret-soak-secret-0123456789',
    cache: new Keyv({ store: cacheMap }),
    // An in-memory stand-in for Datastore: the durable tier's code path, with entities counted.
    durableStore: {
      get: async (id) => durable.get(id),
      // A copy, as a real store's serialisation would make: a kept pool slice would pin a whole slab.
      set: async (id, value) => void durable.set(id, new Uint8Array(value)),
      delete: async (id) => void durable.delete(id),
    },
  });
  app.get('/plain', async () => ({ ok: true }));
  app.get('/read', async (req) => ({ counter: (req.session.get('counter') as number | undefined) ?? 0 }));
  app.post('/inc', async (req) => {
    const counter = ((req.session.get('counter') as number | undefined) ?? 0) + 1;
    req.session.set('counter', counter);
    return { counter };
  });
  app.post('/grow', async (req) => {
    req.session.set('blob', 'x'.repeat(12_000)); // past the 10 KB threshold: server-side
    return { counter: (req.session.get('counter') as number | undefined) ?? 0 };
  });
  app.post('/shrink', async (req) => {
    req.session.delete('blob');
    return { counter: (req.session.get('counter') as number | undefined) ?? 0 };
  });
  app.post('/login', async (req) => {
    req.session.regenerateId();
    req.session.set('user', 'u');
    return { counter: (req.session.get('counter') as number | undefined) ?? 0 };
  });
  app.post('/logout', async (req) => {
    req.session.terminate();
    return { counter: 0 };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.send?.({ port: (app.server.address() as AddressInfo).port } satisfies ServerMessage);
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  process.on('message', async (msg: unknown) => {
    if (msg === 'sample') {
      // Two full GCs a tick apart, so freed ArrayBuffers are swept before memory is read.
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      const m = process.memoryUsage();
      const sample = { heapUsedMb: m.heapUsed / MB, rssMb: m.rss / MB, externalMb: m.external / MB, cacheEntries: cacheMap.size, durableEntities: durable.size };
      process.send?.({ sample } satisfies ServerMessage);
    } else if (msg === 'stop') {
      void app.close().then(() => process.exit(0));
    }
  });
}

// ---- load generator (parent) ----------------------------------------------------------------------

const ACTIONS = [
  // [name, method, path, weight]
  ['plain', 'GET', '/plain', 20],
  ['read', 'GET', '/read', 25],
  ['inc', 'POST', '/inc', 30],
  ['grow', 'POST', '/grow', 5],
  ['shrink', 'POST', '/shrink', 5],
  ['login', 'POST', '/login', 5],
  ['logout', 'POST', '/logout', 4],
  ['forged', 'GET', '/read', 6], // a garbage or tampered cookie instead of the client's own
] as const;
type Action = (typeof ACTIONS)[number];
/** `SOAK_MIX=inc:1,read:3` overrides the weights (actions left out get 0). */
const MIX = process.env.SOAK_MIX === undefined ? undefined : new Map(process.env.SOAK_MIX.split(',').map((p) => [p.split(':')[0], Number(p.split(':')[1] ?? 1)]));
const weight = (a: Action): number => (MIX === undefined ? a[3] : (MIX.get(a[0]) ?? 0));
const TOTAL_WEIGHT = ACTIONS.reduce((s, a) => s + weight(a), 0);

class Client {
  readonly cookies = new Map<string, string>();
  counter = 0;
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  apply(setCookie: string[] | undefined): void {
    for (const h of setCookie ?? []) {
      const pair = h.slice(0, h.indexOf(';'));
      const eq = pair.indexOf('=');
      if (/;\s*Max-Age=0(;|$)/i.test(h)) this.cookies.delete(pair.slice(0, eq));
      else this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
}

function pick(random: number): Action {
  let r = random * TOTAL_WEIGHT;
  for (const a of ACTIONS) if ((r -= weight(a)) < 0) return a;
  return ACTIONS[0];
}

function send(agent: Agent, port: number, method: string, path: string, cookie: string): Promise<{ status: number; body: string; setCookie: string[] | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: cookie === '' ? {} : { cookie } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, setCookie: res.headers['set-cookie'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

function tamper(value: string | undefined, n: number): string {
  if (value === undefined || n % 3 === 0) return `gaes0=${'A'.repeat(20 + (n % 200))}`;
  const at = n % value.length;
  return `gaes0=${value.slice(0, at)}${value[at] === 'A' ? 'B' : 'A'}${value.slice(at + 1)}`;
}

async function main(): Promise<void> {
  const total = Number(process.env.SOAK_REQUESTS ?? 1_000_000);
  const maxSeconds = Number(process.env.SOAK_MAX_SECONDS ?? 600);
  const connections = Number(process.env.SOAK_CONNECTIONS ?? 8);
  const clientsPerConnection = Math.max(1, Math.floor(Number(process.env.SOAK_CLIENTS ?? 400) / connections));
  const child = fork(fileURLToPath(import.meta.url), ['--server'], {
    execArgv: [...process.execArgv.filter((a) => a !== '--expose-gc'), '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting: Array<(s: Omit<Sample, 'requests' | 'seconds'>) => void> = []; // answers come in order
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.on('message', (m: ServerMessage) => {
      if ('port' in m) resolve(m.port);
      else waiting.shift()?.(m.sample);
    });
  });
  const sample = (): Promise<Omit<Sample, 'requests' | 'seconds'>> =>
    new Promise((resolve) => {
      waiting.push(resolve);
      child.send('sample');
    });

  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const statuses = new Map<string, number>();
  const errors: string[] = [];
  let consistencyErrors = 0;
  let done = 0;
  let issued = 0;
  const latencies = new Float64Array(1 << 16); // a reservoir of recent latencies (ms)
  const samples: Sample[] = [];
  const record = async (): Promise<void> => {
    samples.push({ requests: done, seconds: (performance.now() - started) / 1000, ...(await sample()) });
  };
  await record();
  const timer = setInterval(() => void record(), Math.max(1000, Number(process.env.SOAK_SAMPLE_MS ?? 2000)));

  async function worker(w: number): Promise<void> {
    const clients = Array.from({ length: clientsPerConnection }, () => new Client());
    let n = w * 7919;
    while (issued < total && performance.now() < deadline) {
      issued++;
      n++;
      const client = clients[n % clients.length] as Client;
      const action = pick(Math.random());
      const forged = action[0] === 'forged';
      const cookie = forged ? tamper(client.cookies.get('gaes0'), n) : client.header();
      const t0 = performance.now();
      let res: Awaited<ReturnType<typeof send>>;
      try {
        res = await send(agent, port, action[1], action[2], cookie);
      } catch (err) {
        errors.push(`${action[0]}: ${(err as Error).message}`);
        if (errors.length > 100) throw new Error('too many errors');
        continue;
      }
      latencies[done % latencies.length] = performance.now() - t0;
      done++;
      const key = `${action[0]} ${res.status}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      if (res.status !== 200) {
        if (errors.length < 100) errors.push(`${key}: ${res.body.slice(0, 200)}`);
        continue;
      }
      if (forged) {
        // The tampered cookie is refused (counter 0); the client's own jar is untouched.
        if (action[2] === '/read' && JSON.parse(res.body).counter !== 0) consistencyErrors++;
        continue;
      }
      client.apply(res.setCookie);
      if (action[0] === 'plain') continue;
      if (action[0] === 'inc') client.counter++;
      if (action[0] === 'logout') client.counter = 0;
      if (JSON.parse(res.body).counter !== client.counter) consistencyErrors++;
    }
  }

  await Promise.all(Array.from({ length: connections }, (_, w) => worker(w)));
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  await record();
  child.send('stop');
  agent.destroy();

  const report = summarize({ total, done, seconds, maxSeconds, connections, clients: clientsPerConnection * connections, statuses, errors, consistencyErrors, samples, latencies });
  console.log(report);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}soak-${new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.md`;
  writeFileSync(file, report);
  console.log(`\nwritten to ${file}`);
  process.exitCode = errors.length > 0 || consistencyErrors > 0 ? 1 : 0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor(s.length / 2)] as number);
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const num = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

function summarize(r: {
  total: number; done: number; seconds: number; maxSeconds: number; connections: number; clients: number;
  statuses: Map<string, number>; errors: string[]; consistencyErrors: number; samples: Sample[]; latencies: Float64Array;
}): string {
  const f = (x: number, d = 1): string => x.toFixed(d);
  // Warm-up: the first 20% of the requests. Growth compares the samples just after it with the last ones.
  const after = r.samples.filter((s) => s.requests >= r.done * 0.2);
  const early = after.slice(0, Math.max(1, Math.ceil(after.length * 0.2)));
  const late = after.slice(-Math.max(1, Math.ceil(after.length * 0.2)));
  const heapEarly = median(early.map((s) => s.heapUsedMb));
  const heapLate = median(late.map((s) => s.heapUsedMb));
  const extEarly = median(early.map((s) => s.externalMb));
  const extLate = median(late.map((s) => s.externalMb));
  const rssEarly = median(early.map((s) => s.rssMb));
  const rssLate = median(late.map((s) => s.rssMb));
  const heapSlope = slope(after.map((s) => [s.requests / 100_000, s.heapUsedMb]));
  const lat = [...r.latencies.subarray(0, Math.min(r.done, r.latencies.length))].sort((a, b) => a - b);
  const pct = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? Number.NaN;
  const flat = heapLate - heapEarly < Math.max(5, heapEarly * 0.1) && extLate - extEarly < Math.max(5, extEarly * 0.1);
  const stopped = r.done < r.total ? ` (stopped by SOAK_MAX_SECONDS=${r.maxSeconds})` : '';
  const lines = [
    `# gaes soak — ${new Date().toISOString()}`,
    '',
    `Node ${process.version}, ${process.platform}/${process.arch}; ${r.connections} keep-alive connections, ${r.clients} virtual clients; server in a child process, memory sampled after a forced GC.`,
    '',
    '| | |',
    '|---|---|',
    `| requests | ${r.done.toLocaleString('en-US')} of ${r.total.toLocaleString('en-US')}${stopped} |`,
    `| duration | ${f(r.seconds)} s (${Math.round(r.done / r.seconds).toLocaleString('en-US')} req/s) |`,
    `| latency p50 / p99 / max (last ${lat.length.toLocaleString('en-US')}) | ${f(pct(0.5), 2)} / ${f(pct(0.99), 2)} / ${f(lat.at(-1) ?? Number.NaN, 2)} ms |`,
    `| errors (network or non-200) | ${r.errors.length} |`,
    `| consistency errors (a client saw a counter it did not write) | ${r.consistencyErrors} |`,
    `| heap after warm-up → end | ${f(heapEarly)} → ${f(heapLate)} MB (${heapLate >= heapEarly ? '+' : ''}${f(heapLate - heapEarly)} MB; slope ${f(heapSlope, 2)} MB per 100k requests) |`,
    `| external (Buffers) after warm-up → end | ${f(extEarly)} → ${f(extLate)} MB |`,
    `| RSS after warm-up → end | ${f(rssEarly)} → ${f(rssLate)} MB |`,
    `| memory verdict (heap and external) | ${flat ? 'flat after warm-up' : 'GROWING after warm-up'} |`,
    `| server-side entries at end | cache ${r.samples.at(-1)?.cacheEntries ?? '?'}, durable ${r.samples.at(-1)?.durableEntities ?? '?'} |`,
    '',
    '## Requests by action and status',
    '',
    '| action | status | count |',
    '|---|---:|---:|',
    ...[...r.statuses].sort().map(([k, v]) => `| ${k.split(' ')[0]} | ${k.split(' ')[1]} | ${v.toLocaleString('en-US')} |`),
    '',
    '## Memory samples (server)',
    '',
    '| requests | s | heap MB | external MB | RSS MB | cache | durable |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...thin(r.samples, 25).map(
      (s) => `| ${s.requests.toLocaleString('en-US')} | ${f(s.seconds)} | ${f(s.heapUsedMb)} | ${f(s.externalMb)} | ${f(s.rssMb)} | ${s.cacheEntries} | ${s.durableEntities} |`,
    ),
  ];
  if (r.errors.length > 0) lines.push('', '## Errors (first 20)', '', ...r.errors.slice(0, 20).map((e) => `- ${e}`));
  return `${lines.join('\n')}\n`;
}

function thin<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs;
  return Array.from({ length: n }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (n - 1))] as T);
}

if (process.argv.includes('--server')) await server();
else await main();
