/** Renders ClusterStatus for the terminal (table) and for scripts (JSON). */
import { formatBytes } from '../core/db/lsn';
import type { ClusterHealth, ClusterStatus, NodeStatus } from '../core/status/model';

export const EXIT_FOR_HEALTH: Record<ClusterHealth, number> = { healthy: 0, degraded: 1, unreachable: 2 };

export function statusToJson(clusters: readonly ClusterStatus[]): string {
  // A watchdog cluster lists every pgpool node (with its watchdog state) under "pgpool"; one pgpool stays an object.
  const shaped = clusters.map((c) => (c.watchdog ? { ...c, pgpool: c.pgpoolInstances } : c));
  return `${JSON.stringify({ clusters: shaped }, null, 2)}\n`;
}

function watchdogLines(c: ClusterStatus): string[] {
  const w = c.watchdog;
  if (!w) return [];
  const rows = [['PGPOOL', 'ADDRESS', 'REACHABLE', 'WATCHDOG', 'PRIORITY', 'VIP', 'PRIMARY', 'DOWN']];
  for (const p of c.pgpoolInstances) {
    const wd = p.watchdog;
    rows.push([p.name, `${p.host}:${p.port}`, p.reachable ? 'yes' : 'NO', wd?.role ?? '-', wd?.priority !== undefined ? String(wd.priority) : '-',
      wd?.holdsVip === undefined ? '?' : wd.holdsVip ? 'HOLDS' : '-', p.backends ? p.backends.primary ?? 'none' : '-', p.backends ? p.backends.down.join(',') || '-' : '-']);
  }
  return [`Watchdog: quorum ${w.quorum}, leader ${w.leader ?? 'NONE'}${w.vip ? `, VIP ${w.vip} on ${w.vipHolders.length ? w.vipHolders.join(' and ') : 'no host'}` : ''}`, table(rows)];
}

function lagText(n: NodeStatus): string {
  if (!n.lag) return n.role === 'standby' ? '?' : '-';
  const parts: string[] = [];
  if (n.lag.bytes !== undefined) parts.push(formatBytes(n.lag.bytes));
  if (n.lag.seconds !== undefined) parts.push(`${n.lag.seconds.toFixed(n.lag.seconds < 10 ? 2 : 0)} s`);
  if (n.lag.syncState) parts.push(n.lag.syncState);
  return parts.join(' / ') || '-';
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function statusToTable(clusters: readonly ClusterStatus[]): string {
  const out: string[] = [];
  for (const c of clusters) {
    const p = c.pgpool;
    const pg = p.reachable ? `pgpool ${p.host}:${p.port}${p.version ? ` (${p.version})` : ''}` : `pgpool ${p.host}:${p.port} UNREACHABLE`;
    out.push(`Cluster ${c.name}: ${c.health.toUpperCase()}   ${pg}   refreshed ${c.refreshedAt} in ${c.elapsedMs} ms`);
    const rows = [['NODE', 'ID', 'ADDRESS', 'ROLE', 'STATUS', 'PGPOOL', 'TLI', 'LSN', 'LAG', 'NOTE']];
    for (const n of c.nodes) {
      const pgpoolText = n.pgpool ? `${n.pgpool.status}/${n.pgpool.role}` : '-';
      const lsn = n.postgres.currentLsn ?? n.postgres.replayLsn ?? '-';
      const note = n.postgres.reachable ? n.problems.join(',') : (n.postgres.error ?? 'unreachable');
      rows.push([n.name, String(n.id), `${n.host}:${n.port}`, n.role, n.detached ? `${n.status} (detached)` : n.status, pgpoolText,
        n.postgres.timeline !== undefined ? String(n.postgres.timeline) : '-', lsn, lagText(n), note]);
    }
    out.push(table(rows));
    for (const n of c.nodes) {
      if (n.postgres.reachable && n.postgres.role === 'primary' && n.postgres.syncStandbyNames) out.push(`Synchronous replication on ${n.name}: ${n.postgres.syncStandbyNames}`);
    }
    out.push(...watchdogLines(c));
    if (c.problems.length) {
      out.push('Problems:');
      for (const pr of c.problems) out.push(`  ${pr.severity === 'error' ? 'ERROR  ' : 'warning'} ${pr.message}`);
    }
    out.push('');
  }
  return out.join('\n');
}
