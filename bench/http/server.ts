/**
 * One scenario server: `node --conditions=@gaes/source bench/http/server.ts <stack>`.
 * Listens on a free 127.0.0.1 port and prints one line `{"ready":PORT}`; SIGTERM or SIGINT closes the app
 * and exits cleanly; so does the end of stdin.
 *
 * Control lines on stdin (answered by one JSON line on stdout), so a profile covers only a measured window:
 * - `profile-start` → `{"profiling":true}`: starts the V8 CPU profiler (500 µs sampling);
 * - `profile-stop FILE` → `{"profile":"FILE"}`: stops it and writes the `.cpuprofile` to FILE.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';
import { buildStack } from './stacks.ts';
import { STACKS, type StackId } from './scenarios.ts';

const stack = process.argv[2] as StackId | undefined;
if (stack === undefined || !(STACKS as readonly string[]).includes(stack)) {
  process.stderr.write(`usage: server.ts <${STACKS.join('|')}>\n`);
  process.exit(2);
}

// Nothing may wait for a GCE metadata server (some stacks load Google client libraries).
process.env['METADATA_SERVER_DETECTION'] = 'none';

const { app, close } = await buildStack(stack, { redisUrl: process.env['BENCH_REDIS_URL'] });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('no TCP address');
process.stdout.write(`${JSON.stringify({ ready: address.port })}\n`);

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  // A bounded close: keep-alive sockets of a killed load generator must not hold the process.
  const force = setTimeout(() => process.exit(0), 3000);
  force.unref();
  try {
    await app.close();
    await close();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
let inspector: Session | undefined;
async function control(line: string): Promise<unknown> {
  const [cmd, arg] = line.trim().split(' ', 2);
  if (cmd === 'profile-start') {
    inspector = new Session();
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.setSamplingInterval', { interval: 500 });
    await inspector.post('Profiler.start');
    return { profiling: true };
  }
  if (cmd === 'profile-stop' && arg !== undefined && inspector !== undefined) {
    const { profile } = await inspector.post('Profiler.stop');
    writeFileSync(arg, JSON.stringify(profile));
    inspector.disconnect();
    inspector = undefined;
    return { profile: arg };
  }
  return { error: `unknown command: ${line}` };
}

// The harness closes our stdin when it goes away, whatever the reason: follow it.
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  control(line).then(
    (answer) => process.stdout.write(`${JSON.stringify(answer)}\n`),
    (err: unknown) => process.stdout.write(`${JSON.stringify({ error: String(err) })}\n`),
  );
});
lines.on('close', () => void shutdown());
