/**
 * Run by `cookie-cache-memory.test.ts` in its own process (`node --expose-gc`): a Fastify app with the plugin
 * (cookie tier, the default cache of opened cookies) on a real socket, fed `count` distinct valid session
 * cookies, each beside `padBytes` of other cookies, as browsers send them. Prints one JSON line: the heap
 * retained after GC against a baseline taken before the requests, and what the cache holds.
 *
 * Arguments: count padBytes [cookieCacheSize]
 */
import { request as httpRequest, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvelopeCache } from '@gaes/core';
import Fastify from 'fastify';
import gaeSessions from '../../src/index.ts';

const [count = 10_000, padBytes = 15_000, cacheSize] = process.argv.slice(2).map(Number);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

// The plugin's own cache instance, found by watching it fill (it is not exposed).
let cache: EnvelopeCache | undefined;
const set = EnvelopeCache.prototype.set;
EnvelopeCache.prototype.set = function (this: EnvelopeCache, ...args: Parameters<typeof set>) {
  cache = this;
  return set.apply(this, args);
};

const app = Fastify();
await app.register(gaeSessions, { secret: 'cookie-cache-memory-secret-0123456789abcdefghij', ...(cacheSize === undefined ? {} : { cookieCacheSize: cacheSize }) });
app.post('/login', async (req) => {
  req.session.set('user', (req.body as { user: string }).user);
  return { ok: true };
});
app.get('/whoami', async (req) => ({ user: req.session.get('user') ?? null }));
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as AddressInfo;

// Cookies from the app's own responses.
const cookies: string[] = [];
for (let i = 0; i < count; i++) {
  const res = await app.inject({ method: 'POST', url: '/login', payload: { user: `u${i}` } });
  const raw = res.headers['set-cookie'];
  cookies.push((Array.isArray(raw) ? raw : [raw ?? '']).map((c) => c.split(';')[0]).join('; '));
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });
const half = 'x'.repeat(Math.max(0, Math.floor(padBytes / 2) - 8));
function get(cookie: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers = { cookie: padBytes > 0 ? `_ga=${half}; ${cookie}; prefs=${half}` : cookie };
    const req = httpRequest({ host: '127.0.0.1', port, path: '/whoami', agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`status ${res.statusCode}: ${body}`))));
    });
    req.on('error', reject);
    req.end();
  });
}
/** Sends every cookie once, 8 at a time; how many opened to their own session. */
async function send(list: readonly string[]): Promise<number> {
  let right = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < list.length) {
      const i = next++;
      const { user } = JSON.parse(await get(list[i] as string)) as { user: string | null };
      if (user === `u${i}`) right++;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return right;
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
async function retained(): Promise<{ heapUsed: number; arrayBuffers: number }> {
  for (let i = 0; i < 3; i++) {
    await settle();
    gc?.();
  }
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heapUsed, arrayBuffers };
}

// Warm the request path (sockets, compiled code) with requests that carry no session: nothing is cached.
await send(Array.from({ length: 500 }, () => 'theme=dark'));
const before = await retained();
const right = await send(cookies);
const after = await retained();
process.stdout.write(
  `${JSON.stringify({
    count,
    padBytes,
    right,
    cacheEntries: cache?.size ?? 0,
    cacheBytes: cache?.bytes ?? 0,
    heapBytes: after.heapUsed - before.heapUsed,
    arrayBufferBytes: after.arrayBuffers - before.arrayBuffers,
  })}\n`,
);
agent.destroy();
await app.close();
