/**
 * How the pgpool nodes of a watchdog cluster look in the tree: the group row (quorum, leader, VIP) and one row
 * per pgpool (role, priority, VIP, the backends it reports). Pure (no `vscode` import), like nodePresentation.
 */
import type { ClusterStatus, PgpoolStatus } from '../../core/status/model';
import { escapeMarkdown } from './nodePresentation';
import { applicablePgpoolOperations } from '../../shared/nodeOperations';

/** A cluster with several pgpool nodes shows them as a group and its nodes once, under the cluster. */
export const isWatchdogCluster = (pgpoolCount: number): boolean => pgpoolCount > 1;

export function watchdogGroupDescription(s: ClusterStatus | undefined, count: number): string {
  const w = s?.watchdog;
  if (!w) return `${count} pgpool nodes`;
  const up = s.pgpoolInstances.filter((p) => p.reachable).length;
  const parts = [`${up}/${count} up`, `quorum ${w.quorum}`, `leader ${w.leader ?? 'none'}`];
  if (w.vip) parts.push(`VIP ${w.vipHolders.length ? `on ${w.vipHolders.join(' and ')}` : 'on no host'}`);
  return parts.join(' · ');
}

/** `LEADER · priority 3 · VIP · primary node0`, or why the pgpool is out. */
export function pgpoolWatchdogDescription(p: PgpoolStatus | undefined, host: string, port: number): string {
  if (!p) return `${host}:${port}`;
  const parts = [p.watchdog?.role ?? (p.reachable ? 'reachable' : 'unreachable')];
  if (p.watchdog?.priority !== undefined) parts.push(`priority ${p.watchdog.priority}`);
  if (p.watchdog?.holdsVip) parts.push('holds VIP');
  if (!p.reachable) parts.push('unreachable');
  else if (p.backends) parts.push(`primary ${p.backends.primary ?? 'none'}${p.backends.down.length ? `, down ${p.backends.down.join(', ')}` : ''}`);
  return parts.join(' · ');
}

/**
 * `pgpool+<up|unreachable|unknown>` as before, then `+wd-<role>` (lower-case, dashes), `+vip` and the `+can-<op>`
 * flags of src/shared/nodeOperations.ts (the menus match only those) on watchdog clusters.
 */
export function pgpoolContextValue(p: PgpoolStatus | undefined): string {
  const parts = ['pgpool', p ? (p.reachable ? 'up' : 'unreachable') : 'unknown'];
  if (p?.watchdog) parts.push(`wd-${p.watchdog.role.toLowerCase().replace(/[^a-z]+/g, '-')}`);
  if (p?.watchdog?.holdsVip) parts.push('vip');
  for (const op of applicablePgpoolOperations(p)) parts.push(`can-${op}`);
  return parts.join('+');
}

export function pgpoolWatchdogTooltip(p: PgpoolStatus | undefined, s: ClusterStatus | undefined, name: string, host: string, port: number, pcpPort: number): string {
  const lines = [`**pgpool-II ${escapeMarkdown(name)}**`, `${escapeMarkdown(`${host}:${port}`)}, pcp ${pcpPort}`];
  if (p?.version) lines.push(`Version: ${escapeMarkdown(p.version)}`);
  const w = p?.watchdog;
  if (w) {
    lines.push(`Watchdog: **${escapeMarkdown(w.role)}**${w.priority !== undefined ? `, priority ${w.priority}` : ''}${w.reportedBy && w.reportedBy !== name ? ` (as ${escapeMarkdown(w.reportedBy)} reports it)` : ''}`);
    const vip = s?.watchdog?.vip;
    if (vip) lines.push(`VIP ${escapeMarkdown(vip)}: ${w.holdsVip === undefined ? 'unknown (the host\'s addresses could not be read)' : w.holdsVip ? 'held here (checked on the host)' : 'not here'}`);
  }
  if (s?.watchdog) lines.push(`Quorum: ${s.watchdog.quorum}; leader: ${escapeMarkdown(s.watchdog.leader ?? 'none')}`);
  if (p?.backends) lines.push(`Backends it reports: primary ${escapeMarkdown(p.backends.primary ?? 'none')}; down: ${escapeMarkdown(p.backends.down.join(', ') || 'none')}`);
  if (p?.error) lines.push(`Error: ${escapeMarkdown(p.error)}`);
  if (w?.error) lines.push(`Watchdog probe: ${escapeMarkdown(w.error)}`);
  return lines.join('\n\n');
}
