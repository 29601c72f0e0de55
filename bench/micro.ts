/**
 * Micro-benchmarks of the session hot path: `pnpm bench`.
 * Prints operations per second (median of several rounds) and encoded sizes, for the Node running it.
 */
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import {
  createSessionId,
  decodeSessionData,
  encodeSessionData,
  KeyRing,
  openEnvelope,
  sealEnvelope,
  type SealAlgorithm,
} from '@gaes/core';

const require = createRequire(import.meta.url);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const MIN_ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 200);

/** Median ops/s of `fn` over ROUNDS rounds of at least MIN_ROUND_MS each. */
export function opsPerSecond(fn: () => unknown): number {
  for (let i = 0; i < 2000; i++) fn();
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < MIN_ROUND_MS) {
      for (let i = 0; i < 500; i++) fn();
      n += 500;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    }
    rates.push((n / elapsed) * 1000);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] as number;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US').padStart(12);
}

function session(bytes: number): Record<string, unknown> {
  const base = { userId: 'u-12345', counter: 42, s: '' };
  const overhead = encodeSessionData(base).byteLength;
  return { ...base, s: 'x'.repeat(Math.max(0, bytes - overhead)) };
}

const ring = new KeyRing('benchmark-secret-benchmark-secret-0123456789');
const id = createSessionId(Date.now() + 86_400_000, false);

console.log(`# gaes micro-benchmarks — Node ${process.version}, ${process.arch}, OpenSSL ${process.versions.openssl}`);
console.log(`# median of ${ROUNDS} rounds of ≥ ${MIN_ROUND_MS} ms; ops/s (higher is better)\n`);

console.log('## Cookie seal / open (encode + seal + base64url, and the reverse incl. decode)\n');
console.log('| session | algorithm | cookie chars | seal ops/s | open ops/s | open µs |');
console.log('|---|---|---:|---:|---:|---:|');
for (const size of [100, 1024, 8192]) {
  const data = session(size);
  for (const algorithm of ['xchacha20-poly1305', 'aes-256-gcm'] as SealAlgorithm[]) {
    const cookie = sealEnvelope(ring, id, Date.now(), encodeSessionData(data), algorithm);
    const seal = opsPerSecond(() => sealEnvelope(ring, id, Date.now(), encodeSessionData(data), algorithm));
    const open = opsPerSecond(() => {
      const r = openEnvelope(ring, cookie);
      if (r.ok && r.envelope.data !== undefined) decodeSessionData(r.envelope.data);
    });
    console.log(`| ${size} B | ${algorithm} | ${cookie.length} | ${fmt(seal)} | ${fmt(open)} | ${(1e6 / open).toFixed(2)} |`);
  }
}

console.log('\n## Codec: gaes tagged JSON vs msgpackr, on { userId, counter, 200-byte string }\n');
const small = { userId: 'u-12345', counter: 42, s: 'x'.repeat(200) };
const rich = { user: 'u1', when: new Date(0), tags: new Set(['a', 'b']), prefs: new Map([['theme', 'dark']]), n: 10n };
console.log('| payload | codec | bytes | encode ops/s | decode ops/s | round-trips exactly |');
console.log('|---|---|---:|---:|---:|---|');
for (const [name, data] of [['plain', small], ['rich', rich]] as const) {
  const enc = encodeSessionData(data);
  console.log(
    `| ${name} | gaes | ${enc.byteLength} | ${fmt(opsPerSecond(() => encodeSessionData(data)))} | ${fmt(opsPerSecond(() => decodeSessionData(enc)))} | yes |`,
  );
  try {
    const { Packr } = require('msgpackr') as { Packr: new (o: object) => { pack(v: unknown): Buffer; unpack(b: Buffer): unknown } };
    const packr = new Packr({ useRecords: false, structuredClone: true });
    const packed = packr.pack(data);
    const back = packr.unpack(packed) as Record<string, unknown>;
    const exact = name === 'plain' ? JSON.stringify(back) === JSON.stringify(data) : back.prefs instanceof Map;
    console.log(
      `| ${name} | msgpackr | ${packed.byteLength} | ${fmt(opsPerSecond(() => packr.pack(data)))} | ${fmt(opsPerSecond(() => packr.unpack(packed)))} | ${exact ? 'yes' : 'no (Map became an object)'} |`,
    );
  } catch {
    console.log(`| ${name} | msgpackr | - | - | - | (msgpackr not installed) |`);
  }
}

console.log('\n## Sealing primitive alone, 250-byte plaintext\n');
const { seal, openSeal, SealPurpose } = await import('@gaes/core');
const plain = Buffer.alloc(250, 7);
console.log('| algorithm | seal µs | open µs |');
console.log('|---|---:|---:|');
for (const algorithm of ['xchacha20-poly1305', 'aes-256-gcm'] as SealAlgorithm[]) {
  const sealed = seal(ring, SealPurpose.cookie, plain, undefined, algorithm);
  const s = opsPerSecond(() => seal(ring, SealPurpose.cookie, plain, undefined, algorithm));
  const o = opsPerSecond(() => openSeal(ring, SealPurpose.cookie, sealed));
  console.log(`| ${algorithm} | ${(1e6 / s).toFixed(2)} | ${(1e6 / o).toFixed(2)} |`);
}
