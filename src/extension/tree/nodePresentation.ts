/**
 * How a node looks in the tree: contextValue, description, icon, tooltip. Pure (no `vscode` import) so
 * node:test covers it; the tree turns these plain values into TreeItem parts.
 */
import type { NodeDefinition } from '../../core/inventory/model';
import type { ClusterStatus, NodeRole, NodeState, NodeStatus, PgpoolStatus } from '../../core/status/model';
import { formatBytes, formatLag, formatSeconds } from '../../shared/format';
import { applicableOperations, canFlag, isFalsePrimary } from '../../shared/nodeOperations';

export { formatBytes, formatLag, formatSeconds };

/** Before the first refresh a node has no status yet: role and status are both `unknown`. */
export type ShownState = NodeState | 'unknown';

/**
 * contextValue grammar `node+<role>+<status>[+detached][+problem][+was-primary]{+can-<operation>}`, e.g.
 * `node+standby+up+can-promote+can-switchover+can-detach`. The `+can-` flags come from the one rule
 * (src/shared/nodeOperations.ts); the package.json menus match only them (`viewItem =~ /^node\+.*\+can-promote(\+|$)/`),
 * so menus and rule cannot disagree. New flags are only ever appended.
 */
export function nodeContextValue(status: NodeStatus | undefined, wasPrimary = false): string {
  if (!status) return 'node+unknown+unknown';
  const parts = ['node', status.role, status.status];
  if (status.detached) parts.push('detached');
  if (status.problems.length > 0) parts.push('problem');
  if (wasPrimary) parts.push('was-primary');
  for (const op of applicableOperations(status, { wasPrimary })) parts.push(canFlag(op));
  return parts.join('+');
}

/**
 * What the node is, in a few words: `standby`, `primary · waiting`, `standby · down (detached)`, or
 * `down (was primary)` for a failed former primary (pgpool may call it a standby once it failed over).
 */
export function nodeStateText(status: NodeStatus, wasPrimary = false): string {
  if (wasPrimary && !status.postgres.reachable) return `${status.status === 'unreachable' ? 'unreachable' : 'down'} (was primary)`;
  if (isFalsePrimary(status)) return `false primary${status.status !== 'up' ? ` · ${status.status}` : ''}`;
  const parts: string[] = [status.role];
  if (status.status !== 'up') parts.push(status.detached ? `${status.status} (detached)` : status.status);
  return parts.join(' · ');
}

/** `host:port · role · lag ...`; the status is added when it is not `up`. */
export function nodeDescription(def: NodeDefinition, status: NodeStatus | undefined, wasPrimary = false): string {
  const parts = [`${def.host}:${def.port}`];
  if (!status) return parts.join(' · ');
  parts.push(nodeStateText(status, wasPrimary));
  const lag = status.role === 'standby' ? formatLag(status.lag) : undefined;
  if (lag) parts.push(lag);
  return parts.join(' · ');
}

/** Nodes that count as up: pgpool's `waiting` is attached but not used yet (treat as up). */
export function upCount(status: ClusterStatus): number {
  return status.nodes.filter((n) => n.status === 'up' || n.status === 'waiting').length;
}

/** A theme icon id and a theme colour id. */
export interface IconSpec {
  readonly id: string;
  readonly color?: string;
}

export function nodeIcon(status: NodeStatus | undefined): IconSpec {
  if (!status) return { id: 'circle-outline' };
  if (status.problems.length > 0 && (status.status === 'up' || status.status === 'waiting')) {
    return { id: 'warning', color: 'list.warningForeground' };
  }
  return stateIcon(status.role, status.status);
}

function stateIcon(role: NodeRole, state: NodeState): IconSpec {
  switch (state) {
    case 'up':
      if (role === 'primary') return { id: 'star-full', color: 'charts.green' };
      if (role === 'standby') return { id: 'database', color: 'charts.blue' };
      return { id: 'question', color: 'charts.yellow' };
    case 'waiting':
      return { id: 'watch', color: 'charts.yellow' };
    case 'quarantine':
      return { id: 'debug-pause', color: 'charts.orange' };
    case 'down':
      return { id: 'error', color: 'errorForeground' };
    case 'unreachable':
      return { id: 'debug-disconnect', color: 'errorForeground' };
  }
}

export function clusterIcon(status: ClusterStatus | undefined): IconSpec {
  if (!status) return { id: 'server-environment' };
  if (status.health === 'healthy') return { id: 'server-environment', color: 'charts.green' };
  if (status.health === 'degraded') return { id: 'warning', color: 'list.warningForeground' };
  return { id: 'error', color: 'errorForeground' };
}

export function pgpoolDescription(p: PgpoolStatus | undefined, host: string, port: number): string {
  const parts = [`${host}:${port}`];
  if (!p) return parts.join(' · ');
  parts.push(p.reachable ? 'reachable' : 'unreachable');
  if (p.version) parts.push(`pgpool-II ${p.version}`);
  return parts.join(' · ');
}

/** Escapes text for Markdown so host names, errors and LSNs show literally. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

type Row = readonly [label: string, value: string | number | boolean | undefined];

function table(rows: readonly Row[]): string {
  const kept = rows.filter((r): r is readonly [string, string | number | boolean] => r[1] !== undefined && r[1] !== '');
  if (kept.length === 0) return '';
  return ['| | |', '|---|---|', ...kept.map(([k, v]) => `| ${escapeMarkdown(k)} | ${escapeMarkdown(String(v))} |`)].join('\n');
}

/** Everything known about a node, as Markdown: definition, pgpool's view, PostgreSQL's view, problems. */
export function nodeTooltipMarkdown(def: NodeDefinition, status: NodeStatus | undefined, problems: readonly string[] = []): string {
  const out: string[] = [`**${escapeMarkdown(def.name)}** (pgpool node ${def.id})`, ''];
  out.push(table([
    ['Address', `${def.host}:${def.port}`],
    ['Role', status?.role],
    ['Status', status ? status.status + (status.detached ? ' (detached from pgpool)' : '') : 'not refreshed yet'],
    ['Data directory', def.dataDirectory],
    ['Bin directory', def.binDir],
  ]));
  const pg = status?.postgres;
  if (pg) {
    out.push('', '**PostgreSQL**', '');
    out.push(pg.reachable
      ? table([
        ['Role', pg.role],
        ['Server version', pg.serverVersionNum],
        ['Timeline', pg.timeline],
        ['Current LSN', pg.currentLsn],
        ['Receive LSN', pg.receiveLsn],
        ['Replay LSN', pg.replayLsn],
        ['WAL receiver', pg.walReceiverStatus],
        ['Upstream', pg.upstream],
        ['Synchronous standbys', pg.role === 'primary' ? pg.syncStandbyNames || 'none (asynchronous)' : undefined],
        ['Answered in', pg.elapsedMs !== undefined ? `${pg.elapsedMs} ms` : undefined],
      ])
      : `Unreachable: ${escapeMarkdown(pg.error ?? 'no answer')}`);
  }
  const lag = status?.lag;
  if (lag) {
    out.push('', '**Replication**', '');
    out.push(table([
      ['Lag (bytes)', lag.bytes !== undefined ? formatBytes(lag.bytes) : undefined],
      ['Lag (replay)', lag.seconds !== undefined ? formatSeconds(lag.seconds) : undefined],
      ['State', lag.state],
      ['Sync state', lag.syncState],
    ]));
  }
  const pp = status?.pgpool;
  if (pp) {
    out.push('', '**pgpool-II**', '');
    out.push(table([
      ['Status', pp.status],
      ['Role', pp.role],
      ['Status on backend', pp.pgStatus],
      ['Role on backend', pp.pgRole],
      ['Load-balance weight', pp.lbWeight],
      ['Select count', pp.selectCount],
      ['Load-balance node', pp.loadBalanceNode],
      ['Replication delay', pp.replicationDelay ? `${pp.replicationDelay.value} ${pp.replicationDelay.unit}` : undefined],
      ['Replication state', pp.replicationState],
      ['Sync state', pp.replicationSyncState],
      ['Last status change', pp.lastStatusChange],
    ]));
  }
  if (problems.length > 0) {
    out.push('', '**Problems**', '', ...problems.map((p) => `- ${escapeMarkdown(p)}`));
  }
  return out.join('\n');
}

/** Messages of the cluster's problems that concern this node. */
export function problemsOfNode(cluster: ClusterStatus | undefined, nodeName: string): string[] {
  return (cluster?.problems ?? []).filter((p) => p.nodes.includes(nodeName)).map((p) => p.message);
}
