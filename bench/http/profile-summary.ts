/**
 * A top-functions summary of a V8 `.cpuprofile` (from `node --cpu-prof` or the harness's profile mode):
 * `node bench/http/profile-summary.ts FILE.cpuprofile [top] [requests]`.
 *
 * - *owned* time: every sample is charged to the innermost JavaScript frame of a package (not `node:`
 *   internals, builtins or native code), so `Buffer#toString`, `JSON.stringify` or a socket write count for
 *   the package that called them. Grouped by package, and by the owning function: the hot path of each
 *   library with the cost of what it calls into Node. Fastify's hook chain calls the next hook from inside
 *   the previous one, so plain inclusive time would charge a plugin for everything after it; owned time does not.
 * - self time by function, and inclusive time (each function once per sample), for the usual views.
 * With `requests`, times are also given in µs per request.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

type Row = { readonly name: string; readonly ms: number; readonly share: number };

export interface ProfileSummary {
  readonly totalMs: number;
  readonly busyMs: number;
  /** Requests served while profiling (for µs per request), if known. */
  readonly requests: number | undefined;
  readonly ownedGroups: readonly Row[];
  readonly ownedFunctions: readonly Row[];
  readonly self: readonly Row[];
  readonly inclusive: readonly Row[];
}

function isPackageFrame(f: CallFrame): boolean {
  return f.url !== '' && !f.url.startsWith('node:');
}

function shortUrl(url: string): string {
  const m = /\/(packages\/[^/]+\/src\/.+|node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(?:@[^/]+\/)?[^/]+\/.+)$/.exec(url);
  let u = m?.[1] ?? url;
  u = u.replace(/^node_modules\/\.pnpm\/[^/]+\/node_modules\//, '').replace(/^node_modules\//, '');
  return u;
}

function keyOf(f: CallFrame): string {
  const name = f.functionName === '' ? '(anonymous)' : f.functionName;
  if (f.url === '') return name;
  return `${name} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
}

/** Where a frame's code lives. */
export function groupOf(f: CallFrame): string {
  const u = f.url;
  if (u === '') {
    if (f.functionName === '(idle)') return '(idle)';
    if (f.functionName === '(garbage collector)') return '(garbage collector)';
    if (f.functionName === '(program)') return '(program: native, not attributed)';
    return '(native / builtins)';
  }
  if (u.includes('/packages/core/')) return 'gaes @gaes/core';
  if (u.includes('/packages/fastify/')) return 'gaes @gaes/fastify';
  if (u.includes('/packages/datastore/')) return 'gaes @gaes/datastore';
  if (u.includes('/bench/http/')) return 'benchmark app (routes)';
  if (u.startsWith('node:')) return 'node: internals';
  const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(u);
  if (m?.[1] !== undefined) return m[1];
  return u;
}

/** Summarises a profile; `top` rows per table. */
export function summarizeProfile(profile: CpuProfile, top = 25, requests?: number): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const ownedGroups = new Map<string, number>();
  const ownedFns = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const leaf = byId.get(profile.samples[i] as number);
    if (leaf === undefined) continue;
    total += dt;
    if (groupOf(leaf.callFrame) === '(idle)') idle += dt;
    // The owner: the innermost package frame; GC, idle and samples with no package frame keep their own name.
    let owner: ProfileNode = leaf;
    const special = leaf.callFrame.url === '' && /^\((garbage collector|idle|program)\)$/.test(leaf.callFrame.functionName);
    if (!special) {
      for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
        const node = byId.get(id);
        if (node === undefined) break;
        if (isPackageFrame(node.callFrame)) {
          owner = node;
          break;
        }
      }
    }
    const og = groupOf(owner.callFrame);
    ownedGroups.set(og, (ownedGroups.get(og) ?? 0) + dt);
    const ok = keyOf(owner.callFrame);
    ownedFns.set(ok, (ownedFns.get(ok) ?? 0) + dt);
    const k = keyOf(leaf.callFrame);
    self.set(k, (self.get(k) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id);
      if (node === undefined) break;
      const key = keyOf(node.callFrame);
      if (key === '(root)' || seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + dt);
    }
  }
  const busy = total - idle;
  const rows = (m: Map<string, number>, n: number): Row[] =>
    [...m]
      .filter(([name]) => name !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms, share: busy > 0 ? ms / busy : 0 }));
  return {
    totalMs: total,
    busyMs: busy,
    requests,
    ownedGroups: rows(ownedGroups, 30),
    ownedFunctions: rows(ownedFns, top),
    self: rows(self, top),
    inclusive: rows(incl, top),
  };
}

/** The summary as Markdown tables (shares are of busy, non-idle time). */
export function renderSummary(s: ProfileSummary, title: string): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const perReq = s.requests !== undefined && s.requests > 0;
  const table = (head: string, rows: readonly Row[]): string[] => [
    `| ${head} | ms | share of busy |${perReq ? ' µs/request |' : ''}`,
    `|---|---:|---:|${perReq ? '---:|' : ''}`,
    ...rows.map(
      (r) =>
        `| \`${r.name.replace(/\|/g, '\\|')}\` | ${r.ms.toFixed(0)} | ${pct(r.share)} |` +
        (perReq ? ` ${((r.ms * 1000) / (s.requests as number)).toFixed(2)} |` : ''),
    ),
  ];
  return [
    `### ${title}`,
    '',
    `Sampled ${s.totalMs.toFixed(0)} ms, busy ${s.busyMs.toFixed(0)} ms (${pct(s.totalMs > 0 ? s.busyMs / s.totalMs : 0)})` +
      (perReq ? `, ${s.requests} requests: ${((s.busyMs * 1000) / (s.requests as number)).toFixed(2)} µs busy per request.` : '.'),
    '',
    '#### Owned time by package (native and `node:` frames charged to the package that called them)',
    '',
    ...table('package', s.ownedGroups),
    '',
    '#### Owned time by function (the innermost package frame, with the native work it called)',
    '',
    ...table('function', s.ownedFunctions),
    '',
    '#### Self time by function',
    '',
    ...table('function', s.self),
    '',
    '#### Inclusive time by function',
    '',
    ...table('function', s.inclusive),
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: profile-summary.ts FILE.cpuprofile [top]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const requests = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
  process.stdout.write(renderSummary(summarizeProfile(profile, Number(process.argv[3] ?? 25), requests), file));
}
