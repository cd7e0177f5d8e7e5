/** The "Clusters" view: cluster -> pgpool instance(s) -> nodes, adapted from the ClusterModel. */
import * as vscode from 'vscode';
import type { ClusterDefinition, NodeDefinition, PgpoolInstance } from '../../core/inventory';
import type { NodeStatus } from '../../core/status';
import type { ClusterEntry, ClusterModel, FileProblem, NodeRef } from './clusterModel';
import {
  clusterIcon, nodeContextValue, upCount, nodeDescription, nodeIcon, nodeTooltipMarkdown, pgpoolDescription, problemsOfNode, type IconSpec,
} from './nodePresentation';
import { fenceTargets } from '../../shared/nodeOperations';
import { OPERATION_COMMANDS } from '../../shared/protocol';
import { isWatchdogCluster, pgpoolContextValue, pgpoolWatchdogDescription, pgpoolWatchdogTooltip, watchdogGroupDescription } from './watchdogPresentation';

const icon = (spec: IconSpec): vscode.ThemeIcon =>
  new vscode.ThemeIcon(spec.id, spec.color ? new vscode.ThemeColor(spec.color) : undefined);

export class ClusterItem extends vscode.TreeItem {
  constructor(readonly entry: ClusterEntry) {
    super(entry.definition.name, vscode.TreeItemCollapsibleState.Expanded);
    const s = entry.status;
    this.id = `cluster:${entry.file}#${entry.definition.name}`;
    this.contextValue = `cluster+${s?.health ?? 'unknown'}`;
    this.iconPath = icon(entry.error && !s ? { id: 'error', color: 'errorForeground' } : clusterIcon(s));
    this.description = s ? `${s.health} · ${upCount(s)}/${s.nodes.length} up` : entry.error ? 'refresh failed' : '';
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${entry.definition.name}** — `).appendText(entry.file);
    if (s) md.appendMarkdown(`\n\nRefreshed ${new Date(s.refreshedAt).toLocaleTimeString()} in ${s.elapsedMs} ms`);
    for (const p of s?.problems ?? []) {
      md.appendMarkdown('\n\n$(warning) ').appendText(p.message);
      // Split brain / false primary: Fence (plan first) offered right on the problem, for the nodes pgpool does not write to.
      for (const node of fenceTargets(p, s?.nodes ?? [])) {
        const args = encodeURIComponent(JSON.stringify([{ cluster: entry.definition.name, node, entry: { file: entry.file } }]));
        md.appendMarkdown(` [$(shield) Fence ${node}](command:${OPERATION_COMMANDS.fence}?${args} "Stop ${node} so no client can write to it; the plan is shown first")`);
        md.isTrusted = { enabledCommands: [OPERATION_COMMANDS.fence] };
      }
    }
    if (entry.error) md.appendMarkdown('\n\n$(error) ').appendText(entry.error);
    this.tooltip = md;
  }
}

/** The pgpool nodes of a watchdog cluster (several pgpools): quorum, leader and VIP on the row. */
export class PgpoolGroupItem extends vscode.TreeItem {
  constructor(readonly entry: ClusterEntry) {
    super('pgpool nodes', vscode.TreeItemCollapsibleState.Expanded);
    this.id = `pgpool-group:${entry.file}#${entry.definition.name}`;
    this.contextValue = 'pgpool-group';
    const w = entry.status?.watchdog;
    const trouble = entry.status?.problems.some((p) => ['watchdog-no-leader', 'watchdog-leaders', 'watchdog-quorum-lost', 'vip-on-two-hosts', 'vip-not-held'].includes(p.code));
    this.iconPath = icon(!w ? { id: 'server-environment' } : trouble ? { id: 'server-environment', color: 'errorForeground' } : { id: 'server-environment', color: 'charts.green' });
    this.description = watchdogGroupDescription(entry.status, entry.definition.pgpool.length);
  }
}

export class PgpoolItem extends vscode.TreeItem {
  constructor(readonly entry: ClusterEntry, readonly instance: PgpoolInstance) {
    const watchdog = isWatchdogCluster(entry.definition.pgpool.length);
    super(instance.name, watchdog ? vscode.TreeItemCollapsibleState.None : vscode.TreeItemCollapsibleState.Expanded);
    const p = entry.status?.pgpoolInstances.find((x) => x.name === instance.name);
    this.id = `pgpool:${entry.file}#${entry.definition.name}/${instance.name}`;
    if (watchdog) {
      this.contextValue = pgpoolContextValue(p);
      const role = p?.watchdog?.role;
      this.iconPath = icon(!p ? { id: 'server' } : !p.reachable || (role && role !== 'LEADER' && role !== 'STANDBY') ? { id: 'debug-disconnect', color: 'errorForeground' }
        : role === 'LEADER' ? { id: 'star-full', color: 'charts.green' } : { id: 'server', color: 'charts.green' });
      this.description = pgpoolWatchdogDescription(p, instance.host, instance.port);
      this.tooltip = new vscode.MarkdownString(pgpoolWatchdogTooltip(p, entry.status, instance.name, instance.host, instance.port, instance.pcpPort));
      return;
    }
    this.contextValue = `pgpool+${p ? (p.reachable ? 'up' : 'unreachable') : 'unknown'}`;
    this.iconPath = icon(!p ? { id: 'server' } : p.reachable ? { id: 'server', color: 'charts.green' } : { id: 'debug-disconnect', color: 'errorForeground' });
    this.description = pgpoolDescription(p, instance.host, instance.port);
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**pgpool-II ${instance.name}**\n\n`).appendText(`${instance.host}:${instance.port}, pcp ${instance.pcpPort}`);
    if (instance.configFile) md.appendMarkdown('\n\nConfig: ').appendText(instance.configFile);
    if (p?.error) md.appendMarkdown('\n\nError: ').appendText(p.error);
    this.tooltip = md;
  }
}

/**
 * A node row. Operations get it as their command argument (from `view/item/context` menus): `cluster` and
 * `node` are the definitions, `status` the merged status of the last refresh (absent before the first one).
 * contextValue grammar: see nodeContextValue (`node+<role>+<status>[+detached][+problem][+was-primary]{+can-<op>}`).
 */
export class NodeItem extends vscode.TreeItem implements NodeRef {
  readonly cluster: ClusterDefinition;
  readonly status?: NodeStatus;

  constructor(readonly entry: ClusterEntry, readonly node: NodeDefinition, instance: string, wasPrimary = false) {
    super(node.name, vscode.TreeItemCollapsibleState.None);
    this.cluster = entry.definition;
    const status = entry.status?.nodes.find((n) => n.name === node.name);
    if (status) this.status = status;
    this.id = `node:${entry.file}#${entry.definition.name}/${instance}/${node.name}`;
    this.contextValue = nodeContextValue(status, wasPrimary);
    this.description = nodeDescription(node, status, wasPrimary);
    this.iconPath = icon(nodeIcon(status));
    this.tooltip = new vscode.MarkdownString(nodeTooltipMarkdown(node, status, problemsOfNode(entry.status, node.name)));
  }
}

/** A cluster file that does not load, one item per error with its line and column. */
export class ErrorItem extends vscode.TreeItem {
  constructor(label: string, message: string, file?: string, line?: number, column?: number) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.contextValue = 'error';
    this.description = message;
    this.tooltip = message;
    this.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    if (file) {
      const pos = new vscode.Position(Math.max(0, (line ?? 1) - 1), Math.max(0, (column ?? 1) - 1));
      this.command = {
        command: 'vscode.open', title: 'Open cluster file',
        arguments: [vscode.Uri.file(file), { selection: new vscode.Range(pos, pos) } satisfies vscode.TextDocumentShowOptions],
      };
    }
  }
}

export type ClusterTreeItem = ClusterItem | PgpoolGroupItem | PgpoolItem | NodeItem | ErrorItem;

function fileProblemItems(p: FileProblem): ErrorItem[] {
  const base = vscode.workspace.asRelativePath(p.file);
  if (p.errors.length === 0) return [new ErrorItem(base, p.message.split('\n')[0] ?? p.message, p.file)];
  return p.errors.map((e) => new ErrorItem(`${base}:${e.line}:${e.column}`, e.message, p.file, e.line, e.column));
}

export class ClusterTreeProvider implements vscode.TreeDataProvider<ClusterTreeItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ClusterTreeItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  private shown: string | undefined;

  constructor(private readonly model: ClusterModel) {
    // The model also fires when a refresh starts and when nothing visible changed (the auto-refresh): redraw only
    // when what the tree shows changed. A redraw drops the items' handles for a moment, and a context-menu command
    // chosen in that moment would arrive without its node.
    this.subscription = model.onDidChange(() => {
      const now = this.signature();
      if (now === this.shown) return;
      this.shown = now;
      this.changed.fire(undefined);
    });
  }

  /** What the tree shows, as text: compared before redrawing. */
  private signature(): string {
    const m = this.model;
    return JSON.stringify([m.loaded, m.fileProblems, m.entries.map((e) => {
      const items = new ClusterItem(e);
      const nodes = e.definition.nodes.map((n) => {
        const item = this.nodeItem(e, n, '-');
        return [item.description, item.contextValue, typeof item.tooltip === 'string' ? item.tooltip : item.tooltip?.value];
      });
      return [e.file, e.definition, e.error, items.description, items.tooltip instanceof vscode.MarkdownString ? items.tooltip.value : items.tooltip,
        e.status?.pgpoolInstances.map((p) => [p.name, p.reachable, p.version, p.error, p.watchdog, p.backends]), e.status?.watchdog, nodes];
    })]);
  }

  getTreeItem(element: ClusterTreeItem): vscode.TreeItem {
    return element;
  }

  async getChildren(element?: ClusterTreeItem): Promise<ClusterTreeItem[]> {
    if (!element) {
      if (!this.model.loaded) await this.model.reload();
      if (this.model.entries.length > 0 && this.model.entries.every((e) => !e.status && !e.error)) void this.model.refresh();
      return [...this.model.fileProblems.flatMap(fileProblemItems), ...this.model.entries.map((e) => new ClusterItem(e))];
    }
    if (element instanceof ClusterItem) {
      const { entry } = element;
      const items: ClusterTreeItem[] = [];
      if (entry.error) items.push(new ErrorItem('Refresh failed', entry.error));
      if (isWatchdogCluster(entry.definition.pgpool.length)) {
        // Every pgpool sees the same nodes: show them once, beside the group of pgpool nodes.
        return [...items, new PgpoolGroupItem(entry), ...entry.definition.nodes.map((n) => this.nodeItem(entry, n, 'watchdog'))];
      }
      items.push(...entry.definition.pgpool.map((p) => new PgpoolItem(entry, p)));
      // A cluster without a pgpool instance still shows its nodes.
      if (entry.definition.pgpool.length === 0) items.push(...entry.definition.nodes.map((n) => this.nodeItem(entry, n, '-')));
      return items;
    }
    if (element instanceof PgpoolGroupItem) {
      return element.entry.definition.pgpool.map((p) => new PgpoolItem(element.entry, p));
    }
    if (element instanceof PgpoolItem) {
      if (isWatchdogCluster(element.entry.definition.pgpool.length)) return [];
      return element.entry.definition.nodes.map((n) => this.nodeItem(element.entry, n, element.instance.name));
    }
    return [];
  }

  private nodeItem(entry: ClusterEntry, node: NodeDefinition, instance: string): NodeItem {
    const status = entry.status?.nodes.find((n) => n.name === node.name);
    return new NodeItem(entry, node, instance, this.model.formerPrimaries.wasPrimary(entry.definition.name, status));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

