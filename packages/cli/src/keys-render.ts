import type { KeyStatus } from '@gaes/datastore';
import { formatDuration } from './flags.ts';
import type { KeysResult } from './keys.ts';

function when(ms: number | undefined): string {
  return ms === undefined ? '–' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function table(keys: readonly KeyStatus[]): string[] {
  const rows = [['id', 'role', 'created', 'seals from', 'removable from'], ...keys.map((k) => [k.id, k.role, when(k.createdAtMs), when(k.activeAtMs), when(k.removableAtMs)])];
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  return rows.map((r) => `  ${r.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ')}`.trimEnd());
}

function headline(r: KeysResult): string {
  const would = r.dryRun ? ' (dry run: nothing written)' : '';
  const staged = r.keys.find((k) => k.id === r.stagedId);
  switch (r.outcome) {
    case 'created':
      return `Created the key ring with key ${r.stagedId ?? '?'}, sealing from now${would}.`;
    case 'staged':
      return `Staged key ${r.stagedId ?? '?'}: it starts sealing at ${when(staged?.activeAtMs)}, once every instance has loaded it${would}.`;
    case 'already-staged':
      return `Key ${r.stagedId ?? '?'} is already staged (it starts sealing at ${when(staged?.activeAtMs)}): nothing changed.`;
    case 'retired':
      return `${r.dryRun ? 'Would remove' : 'Removed'} ${(r.removed ?? []).join(', ')}: sessions sealed with ${(r.removed ?? []).length === 1 ? 'it' : 'them'} no longer open${would}.`;
    case 'nothing-to-retire': {
      const kept = r.keys.filter((k) => k.role === 'previous');
      const next = kept.map((k) => `${k.id} until ${when(k.removableAtMs)}`).join(', ');
      return kept.length === 0 ? 'Nothing to retire.' : `Nothing to retire yet: ${next} (sessions sealed with it may still be live).`;
    }
    case 'listed':
      return `${r.keys.length} ${r.keys.length === 1 ? 'key' : 'keys'}.`;
  }
}

/**
 * The human output of a key-ring command: what happened, then the ring (ids, roles and dates only —
 * there is no key material in a {@link KeysResult} to print).
 */
export function keysSummary(r: KeysResult, requested: { propagationMs?: number | undefined; lifetimeMs?: number | undefined } = {}): string {
  const where = `${r.ring.kind}/${r.ring.name}${r.ring.namespace === null ? '' : ` in namespace ${r.ring.namespace}`}`;
  const lines = [
    headline(r),
    `Key ring ${where}: propagation ${formatDuration(r.policy.propagationMs)}, lifetime ${formatDuration(r.policy.lifetimeMs)}`,
    ...table(r.keys),
  ];
  const differs =
    (requested.propagationMs !== undefined && requested.propagationMs !== r.policy.propagationMs) ||
    (requested.lifetimeMs !== undefined && requested.lifetimeMs !== r.policy.lifetimeMs);
  if (differs && r.outcome !== 'created') lines.push('Note: --propagation and --lifetime apply to a new ring only; this ring keeps its own.');
  return `${lines.join('\n')}\n`;
}
