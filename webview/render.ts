// Builds the panel's DOM from a StatusUpdate. Text goes in through textContent only: nothing from the
// cluster (host names, error messages) is ever parsed as HTML.
import type { NodeStateView as NodeStatus, PgpoolNodeStateView } from '../src/shared/statusView';
import { formatBytes, formatSeconds } from '../src/shared/format';
import { applicableOperations, fenceTargets } from '../src/shared/nodeOperations';
import { NODE_OPERATIONS, type ClusterView, type NodeOperation, type OperationOutcomeKind, type StatusUpdate } from '../src/shared/protocol';
import type { HistoryUpdate } from '../src/shared/historyProtocol';
import { historySection, type HistoryHooks } from './history';
import { renderLagChart } from './lagChart';
import { TAG } from './toolkit';

export interface RenderHooks extends HistoryHooks {
  onOperation(cluster: string, node: string, operation: NodeOperation): void;
  /** The History shown per cluster, if any. */
  readonly history: Readonly<Record<string, HistoryUpdate>>;
  /** Last outcome per `cluster/node`, shown under the buttons. */
  readonly results: Readonly<Record<string, { outcome: OperationOutcomeKind | 'running'; message: string }>>;
}

const OUTCOME_LABEL: Record<OperationOutcomeKind | 'running', string> = { running: 'Running', done: 'Done', failed: 'Failed', refused: 'Refused', cancelled: 'Cancelled' };
const LABEL: Record<NodeOperation, string> = { promote: 'Promote', switchover: 'Switch Over', recover: 'Recover', attach: 'Attach', detach: 'Detach', fence: 'Fence' };

function h<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

const dash = (v: unknown): string => (v === undefined || v === null || v === '' ? '—' : String(v));

interface Column {
  readonly title: string;
  /** CSS grid track size. */
  readonly width: string;
  readonly value: (n: NodeStatus) => string;
  readonly className?: (n: NodeStatus) => string;
}

/** The merged fields, pgpool's view next to PostgreSQL's. */
const COLUMNS: readonly Column[] = [
  { title: 'Node', width: '100px', value: (n) => `${n.name} (#${n.id})` },
  { title: 'Address', width: '130px', value: (n) => `${n.host}:${n.port}` },
  { title: 'Role', width: '80px', value: (n) => n.role },
  { title: 'Status', width: '90px', value: (n) => n.status + (n.detached ? ' (detached)' : ''), className: (n) => `state-${n.status}` },
  { title: 'pgpool status / role', width: '120px', value: (n) => (n.pgpool ? `${n.pgpool.status} / ${n.pgpool.role}` : '—') },
  { title: 'PostgreSQL', width: '130px', value: (n) => (n.postgres.reachable ? `${dash(n.postgres.role)}, v${dash(n.postgres.serverVersionNum)}` : `unreachable: ${dash(n.postgres.error)}`) },
  { title: 'Timeline', width: '70px', value: (n) => dash(n.postgres.timeline) },
  { title: 'LSN (current / replay)', width: '170px', value: (n) => n.postgres.currentLsn ?? `${dash(n.postgres.receiveLsn)} / ${dash(n.postgres.replayLsn)}` },
  { title: 'Lag', width: '100px', value: (n) => (n.lag ? `${n.lag.bytes !== undefined ? formatBytes(n.lag.bytes) : '—'} / ${n.lag.seconds !== undefined ? formatSeconds(n.lag.seconds) : '—'}` : '—') },
  { title: 'Replication', width: '110px', value: (n) => (n.lag?.state || n.pgpool?.replicationState ? `${dash(n.lag?.state ?? n.pgpool?.replicationState)} ${n.lag?.syncState ?? n.pgpool?.replicationSyncState ?? ''}`.trim()
    : n.role === 'primary' && n.postgres.syncStandbyNames ? `sync: ${n.postgres.syncStandbyNames}` : '—') },
  { title: 'LB weight / selects', width: '110px', value: (n) => `${dash(n.pgpool?.lbWeight)} / ${dash(n.pgpool?.selectCount)}` },
  { title: 'Last change', width: '150px', value: (n) => dash(n.pgpool?.lastStatusChange) },
  { title: 'Problems', width: '120px', value: (n) => (n.problems.length > 0 ? n.problems.join(', ') : '—') },
];

function cell(column: number, content: string | Node, header = false): HTMLElement {
  const c = document.createElement(TAG.cell);
  c.setAttribute('grid-column', String(column));
  if (header) c.setAttribute('cell-type', 'columnheader');
  c.append(content);
  return c;
}

function actionsCell(cluster: string, node: NodeStatus, update: StatusUpdate, hooks: RenderHooks): HTMLElement {
  const box = h('div', 'actions');
  const applicable = new Set(applicableOperations(node));
  for (const op of NODE_OPERATIONS) {
    const b = document.createElement(TAG.button);
    b.setAttribute('appearance', 'secondary');
    b.textContent = LABEL[op];
    const available = update.available[op];
    if (!available || !applicable.has(op)) {
      b.setAttribute('disabled', '');
      b.title = !available ? `${LABEL[op]} is not available in this version of the extension.` : `${LABEL[op]} does not apply to a ${node.role} that is ${node.status}.`;
    } else {
      b.title = `${LABEL[op]} ${node.name}`;
      b.addEventListener('click', () => hooks.onOperation(cluster, node.name, op));
    }
    box.append(b);
  }
  const history = document.createElement(TAG.button);
  history.setAttribute('appearance', 'icon');
  history.setAttribute('aria-label', `History of ${node.name}`);
  history.title = `History of ${node.name}`;
  history.textContent = 'History';
  history.addEventListener('click', () => hooks.onShowHistory(cluster, node.name));
  box.append(history);
  const result = hooks.results[`${cluster}/${node.name}`];
  if (result) box.append(h('span', `result ${result.outcome}`, `${OUTCOME_LABEL[result.outcome]}: ${result.message}`));
  return box;
}

function nodeGrid(view: ClusterView, update: StatusUpdate, hooks: RenderHooks): HTMLElement {
  const grid = document.createElement(TAG.grid);
  grid.setAttribute('aria-label', `Nodes of ${view.name}`);
  grid.setAttribute('generate-header', 'none');
  grid.setAttribute('grid-template-columns', [...COLUMNS.map((c) => c.width), 'minmax(320px, 1fr)'].join(' '));
  const header = document.createElement(TAG.row);
  header.setAttribute('row-type', 'header');
  COLUMNS.forEach((c, i) => header.append(cell(i + 1, c.title, true)));
  header.append(cell(COLUMNS.length + 1, 'Actions', true));
  grid.append(header);
  for (const node of view.status?.nodes ?? []) {
    const row = document.createElement(TAG.row);
    COLUMNS.forEach((c, i) => {
      const span = h('span', c.className?.(node), c.value(node));
      row.append(cell(i + 1, span));
    });
    row.append(cell(COLUMNS.length + 1, actionsCell(view.name, node, update, hooks)));
    grid.append(row);
  }
  return grid;
}

/** The pgpool nodes of a watchdog cluster: role, priority, VIP (checked on each host), the backends each reports. */
const PGPOOL_COLUMNS: readonly { title: string; width: string; value: (p: PgpoolNodeStateView) => string }[] = [
  { title: 'pgpool', width: '110px', value: (p) => p.name },
  { title: 'Address', width: '140px', value: (p) => `${p.host}:${p.port}` },
  { title: 'Reachable', width: '90px', value: (p) => (p.reachable ? 'yes' : `no: ${dash(p.error)}`) },
  { title: 'Watchdog', width: '110px', value: (p) => dash(p.watchdog?.role) },
  { title: 'Priority', width: '70px', value: (p) => dash(p.watchdog?.priority) },
  { title: 'VIP', width: '80px', value: (p) => (p.watchdog?.holdsVip === undefined ? '?' : p.watchdog.holdsVip ? 'holds' : '—') },
  { title: 'Primary it sees', width: '120px', value: (p) => (p.backends ? dash(p.backends.primary) : '—') },
  { title: 'Down it sees', width: 'minmax(120px, 1fr)', value: (p) => (p.backends ? p.backends.down.join(', ') || '—' : '—') },
];

function pgpoolGrid(view: ClusterView): HTMLElement {
  const s = view.status;
  const box = h('div', 'pgpool-nodes');
  const w = s?.watchdog;
  if (!s || !w) return box;
  box.append(h('div', w.leader && w.quorum === 'exist' && w.vipHolders.length <= 1 ? 'topology' : 'topology bad',
    `Watchdog: quorum ${w.quorum} · leader ${w.leader ?? 'none'}${w.vip ? ` · VIP ${w.vip} on ${w.vipHolders.length ? w.vipHolders.join(' and ') : 'no host'}` : ''}`));
  const grid = document.createElement(TAG.grid);
  grid.setAttribute('aria-label', `pgpool nodes of ${view.name}`);
  grid.setAttribute('generate-header', 'none');
  grid.setAttribute('grid-template-columns', PGPOOL_COLUMNS.map((c) => c.width).join(' '));
  const header = document.createElement(TAG.row);
  header.setAttribute('row-type', 'header');
  PGPOOL_COLUMNS.forEach((c, i) => header.append(cell(i + 1, c.title, true)));
  grid.append(header);
  for (const p of s.pgpoolInstances ?? []) {
    const row = document.createElement(TAG.row);
    PGPOOL_COLUMNS.forEach((c, i) => row.append(cell(i + 1, h('span', !p.reachable ? 'bad' : undefined, c.value(p)))));
    grid.append(row);
  }
  box.append(grid);
  return box;
}

/** `node0 (primary) → node1 [0 B] , node2 [unreachable]`. */
function topology(view: ClusterView): HTMLElement {
  const line = h('div', 'topology');
  const nodes = view.status?.nodes ?? [];
  const primaries = nodes.filter((n) => n.role === 'primary');
  const others = nodes.filter((n) => n.role !== 'primary');
  if (primaries.length === 0) line.append(h('span', 'bad', 'no primary'));
  primaries.forEach((p, i) => {
    if (i > 0) line.append(' + ');
    line.append(h('span', primaries.length > 1 ? 'bad' : 'primary', `${p.name} (primary${p.status !== 'up' ? `, ${p.status}` : ''})`));
  });
  others.forEach((n, i) => {
    line.append(i === 0 ? ' → ' : ', ');
    const lag = n.lag?.bytes !== undefined ? formatBytes(n.lag.bytes) : n.lag?.seconds !== undefined ? formatSeconds(n.lag.seconds) : undefined;
    const detail = n.status !== 'up' ? n.status : lag !== undefined ? `lag ${lag}` : n.role;
    line.append(h('span', n.status === 'up' && n.role === 'standby' ? 'standby' : 'bad', `${n.name} [${detail}]`));
  });
  return line;
}

function clusterSection(view: ClusterView, update: StatusUpdate, hooks: RenderHooks): HTMLElement {
  const section = h('section', 'cluster');
  const s = view.status;
  section.append(h('h2', undefined, `${view.name} — ${s ? s.health : 'not refreshed'}`));
  const meta = s
    ? `${view.file} · pgpool ${s.pgpool.name} ${s.pgpool.host}:${s.pgpool.port} ${s.pgpool.reachable ? `(${dash(s.pgpool.version)})` : `unreachable: ${dash(s.pgpool.error)}`} · refreshed in ${s.elapsedMs} ms`
    : view.file;
  section.append(h('div', 'muted', meta));
  if (view.error) section.append(h('div', 'errors', `Refresh failed: ${view.error}`));
  if (s && s.problems.length > 0) {
    const ul = h('ul', 'problems');
    for (const p of s.problems) {
      const li = h('li', p.severity, p.message);
      // Split brain / false primary: Fence the node(s) pgpool does not write to, right from the problem.
      if (update.available.fence) {
        for (const node of fenceTargets(p, s.nodes)) {
          const b = document.createElement(TAG.button);
          b.setAttribute('appearance', 'primary');
          b.textContent = `Fence ${node}`;
          b.title = `Fence ${node}: stop it so no client can write to it (the plan is shown first), then Recover it as a standby.`;
          b.addEventListener('click', () => hooks.onOperation(view.name, node, 'fence'));
          li.append(' ', b);
        }
      }
      ul.append(li);
    }
    section.append(ul);
  }
  if (s) {
    const scroller = h('div', 'grid-scroll');
    scroller.append(nodeGrid(view, update, hooks));
    section.append(topology(view), scroller);
    if (s.watchdog) section.append(h('h3', undefined, 'pgpool nodes'), pgpoolGrid(view));
    section.append(h('h3', undefined, 'Replication lag'), renderLagChart(view.lagHistory));
  }
  section.append(historySection(view.name, hooks.history[view.name], hooks));
  return section;
}

export function render(update: StatusUpdate, hooks: RenderHooks): void {
  const root = document.getElementById('clusters');
  const errors = document.getElementById('errors');
  const refreshed = document.getElementById('refreshed');
  if (!root || !errors || !refreshed) return;
  root.replaceChildren(...update.clusters.map((c) => clusterSection(c, update, hooks)));
  if (update.clusters.length === 0) root.append(h('p', 'muted', 'No cluster defined: create pgpool-cluster.yaml in the workspace.'));
  const messages = [...update.fileErrors, ...update.clusters.flatMap((c) => (c.error ? [`${c.name}: ${c.error}`] : []))];
  errors.hidden = messages.length === 0;
  errors.textContent = messages.join('\n');
  const times = update.clusters.flatMap((c) => (c.status ? [Date.parse(c.status.refreshedAt)] : []));
  const last = times.length > 0 ? new Date(Math.max(...times)).toLocaleTimeString() : 'never';
  refreshed.textContent = `${update.refreshing ? 'refreshing… ' : ''}last refresh ${last}`;
}
