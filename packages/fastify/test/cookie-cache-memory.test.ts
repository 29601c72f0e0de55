/**
 * The cache of opened cookies is bounded (10,000 entries, 32 MiB of cookie text and data): an entry must hold
 * only its own characters. A cookie value is a slice of the request's Cookie header, and V8 keeps a sliced
 * string's whole parent alive: cached as is, 10,000 cookies each sent beside 15 KB of other cookies (analytics,
 * preferences: what browsers really send) retained about 158 MB of headers.
 *
 * Measured as found: over real HTTP, in a child process started with `--expose-gc`, heap retained after GC
 * against a baseline taken once the app was up and the cookies minted.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const COUNT = 10_000;
const PAD_BYTES = 15_000; // under Node's 16 KiB limit for a request's headers
const MIB = 1024 * 1024;
/** The cache's bound on cookie text and data bytes (its default). */
const BOUND_BYTES = 32 * MIB;
/**
 * What an entry costs beyond the bytes the bound counts: its Map slot, the entry and envelope objects, the
 * Buffer object of its data, the data as text and the key string. About 630 bytes measured on Node 24
 * (8 MB for 10,000 entries holding 1.9 MB of counted bytes); 1 KiB leaves room for other V8 versions.
 */
const OVERHEAD_PER_ENTRY = 1024;
/** Noise between two GC'd heap readings: compiled code, inline caches, socket buffers kept by the agent. */
const NOISE_BYTES = 4 * MIB;

interface Measured {
  count: number;
  padBytes: number;
  right: number;
  cacheEntries: number;
  cacheBytes: number;
  heapBytes: number;
  arrayBufferBytes: number;
}

function measure(args: readonly number[]): Promise<Measured> {
  const child = fileURLToPath(new URL('./helpers/cookie-cache-memory-child.ts', import.meta.url));
  const cwd = fileURLToPath(new URL('../', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--conditions=@gaes/source', child, ...args.map(String)],
      // Only PATH: not the NODE_OPTIONS tap gives its children (its loaders would sit in the measured heap).
      { cwd, env: { PATH: process.env['PATH'] ?? '' }, timeout: 120_000, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => (error === null ? resolve(JSON.parse(stdout) as Measured) : reject(new Error(`${error.message}\n${stderr}`))),
    );
  });
}

t.test('10,000 cached cookies sent beside 15 KB of other cookies keep no request header alive', async (t) => {
  const m = await measure([COUNT, PAD_BYTES]);
  const retained = m.heapBytes + m.arrayBufferBytes;
  t.comment(
    `retained after GC: ${(retained / MIB).toFixed(1)} MiB for ${m.cacheEntries} entries ` +
      `(${(m.cacheBytes / MIB).toFixed(1)} MiB of cookie text and data counted; ${Math.round((retained - m.cacheBytes) / m.cacheEntries)} bytes of overhead an entry)`,
  );
  t.equal(m.right, COUNT, 'every cookie opened to its own session');
  t.equal(m.cacheEntries, COUNT, 'the default cache holds every one of them');
  t.ok(retained <= BOUND_BYTES + COUNT * OVERHEAD_PER_ENTRY, `within the stated 32 MiB bound plus ${OVERHEAD_PER_ENTRY} bytes of objects an entry`);
  t.ok(retained <= m.cacheBytes + COUNT * OVERHEAD_PER_ENTRY + NOISE_BYTES, 'an entry costs what it counts plus its objects: no header behind it');
});
