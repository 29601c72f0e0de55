/**
 * The floor under any cookie write: a bare Fastify route that only adds one ~450-character Set-Cookie
 * header (what a sealed 250-byte session takes), against the same route without it. No session library.
 * Run: node bench/http/floor.ts (needs wrk; pins like the main harness).
 */
import { spawn, spawnSync } from 'node:child_process';
import Fastify from 'fastify';

const mode = process.argv[2];
if (mode === 'serve') {
  const cookie = `gaes0=${'A'.repeat(451)}; Max-Age=604799; Path=/; HttpOnly; SameSite=Lax`;
  const app = Fastify();
  app.get('/plain', async () => ({ ok: true }));
  app.get('/cookie', async (_req, reply) => {
    reply.header('set-cookie', cookie);
    return { ok: true };
  });
  // The same header added by an onSend hook that finishes asynchronously (as a session save does).
  app.register(async (scope) => {
    scope.addHook('onSend', (_req, reply, payload, done) => {
      Promise.resolve().then(() => {
        reply.header('set-cookie', cookie);
        done(null, payload);
      });
    });
    scope.get('/async-cookie', async () => ({ ok: true }));
  });
  await app.listen({ port: Number(process.argv[3]), host: '127.0.0.1' });
} else {
  const port = 18000 + Math.floor(Math.random() * 1000);
  const pin = spawnSync('which', ['taskset']).status === 0;
  const server = spawn(pin ? 'taskset' : process.execPath, [...(pin ? ['-c', '0', process.execPath] : []), import.meta.filename, 'serve', String(port)], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1500));
  const run = (path: string): number => {
    const out = spawnSync(pin ? 'taskset' : 'wrk', [...(pin ? ['-c', '1', 'wrk'] : []), '-t1', '-c10', '-d5s', ...(process.env.FLOOR_COOKIE ? ['-H', `Cookie: gaes0=${'B'.repeat(451)}`] : []), `http://127.0.0.1:${port}${path}`], { encoding: 'utf8' }).stdout;
    return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  };
  const paths = ['/plain', '/cookie', '/async-cookie'];
  for (const p of paths) run(p);
  const rates = new Map<string, number[]>(paths.map((p) => [p, []]));
  for (let i = 0; i < 3; i++) for (const p of paths) rates.get(p)?.push(run(p));
  server.kill();
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[1] as number;
  const plain = med(rates.get('/plain') ?? []);
  for (const p of paths) {
    const r = med(rates.get(p) ?? []);
    console.log(`${p.padEnd(14)} ${String(Math.round(r)).padStart(7)} req/s  ratio ${(r / plain).toFixed(2)}`);
  }
}
