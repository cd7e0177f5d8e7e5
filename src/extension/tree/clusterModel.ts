/**
 * The clusters the editor knows about and their latest status: cluster files loaded, one StatusCollector per
 * cluster (connections reused across refreshes), refreshes coalesced, auto-refresh only while someone looks.
 * Shared through `services.clusters` by the tree, the status panel, the status bar and the operations.
 */
import * as vscode from 'vscode';
import { loadClusterFile, type ClusterDefinition, type InventoryError, type NodeDefinition } from '../../core/inventory';
import type { HostKeyPolicy, SecretProvider } from '../../core/remote/types';
import { SshPool } from '../../core/remote/sshPool';
import { readSshConfigText } from '../../core/remote/sshConfigFile';
import { StatusCollector, type ClusterStatus, type NodeStatus } from '../../core/status';
import { FormerPrimaries } from './formerPrimaries';
import { LagHistory } from './lagHistory';

/**
 * What a node argument carries, whether it comes from the tree (`NodeItem` implements it) or the status
 * panel (which passes a plain object of this shape): operations read `cluster` and `node`, and `status`
 * when a refresh has happened. Resolve a command argument with `services.clusters?.resolveNode(arg)`.
 */
export interface NodeRef {
  readonly cluster: ClusterDefinition;
  readonly node: NodeDefinition;
  readonly status?: NodeStatus;
}

export interface ClusterEntry {
  /** Absolute path of the cluster file that defines it. */
  readonly file: string;
  readonly definition: ClusterDefinition;
  status?: ClusterStatus;
  /** Why the last refresh failed as a whole. */
  error?: string;
}

export interface FileProblem {
  readonly file: string;
  readonly message: string;
  readonly errors: readonly InventoryError[];
}

export interface ClusterModelOptions {
  readonly discoverFiles: () => Promise<string[]>;
  readonly secrets?: SecretProvider;
  readonly hostKeyPolicy: HostKeyPolicy;
  readonly log?: (line: string) => void;
  /** Seconds between refreshes while watched; read each time the timer restarts. */
  readonly autoRefreshSeconds?: () => number;
  readonly timeoutMs?: number;
}

export class ClusterModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after a reload or refresh, and when a refresh starts (`refreshing` turns true). */
  readonly onDidChange = this.changed.event;

  entries: ClusterEntry[] = [];
  fileProblems: FileProblem[] = [];
  files: string[] = [];
  loaded = false;
  refreshing = false;
  readonly history = new LagHistory();
  readonly formerPrimaries = new FormerPrimaries();

  private collectors = new Map<string, { json: string; collector: StatusCollector }>();
  private sshPool: SshPool | undefined;
  private inFlight: Promise<void> | undefined;
  private loading: Promise<void> | undefined;
  private watchers = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ClusterModelOptions) {}

  /** Re-reads the cluster files (coalesced) and drops collectors of clusters that changed or went away. */
  reload(): Promise<void> {
    this.loading ??= this.load().finally(() => { this.loading = undefined; });
    return this.loading;
  }

  private async load(): Promise<void> {
    const files = await this.options.discoverFiles();
    const results = await Promise.all(files.map((f) => loadClusterFile(f)));
    const entries: ClusterEntry[] = [];
    const problems: FileProblem[] = [];
    for (const r of results) {
      if (!r.ok) {
        problems.push({ file: r.path, message: r.message, errors: r.errors });
        continue;
      }
      for (const definition of r.file.clusters) {
        const old = this.entries.find((e) => e.file === r.path && e.definition.name === definition.name);
        const same = old && JSON.stringify(old.definition) === JSON.stringify(definition);
        entries.push({ file: r.path, definition, ...(same && old.status ? { status: old.status } : {}) });
      }
    }
    const keep = new Set(entries.map((e) => this.key(e)));
    for (const [key, c] of this.collectors) {
      const entry = entries.find((e) => this.key(e) === key);
      if (!keep.has(key) || !entry || JSON.stringify(entry.definition) !== c.json) {
        this.collectors.delete(key);
        void c.collector.close();
      }
    }
    this.files = files;
    this.entries = entries;
    this.fileProblems = problems;
    this.loaded = true;
    this.changed.fire();
  }

  /** Refreshes every cluster's status at once; a call during a refresh joins it. */
  refresh(): Promise<void> {
    this.inFlight ??= this.refreshAll().finally(() => {
      this.inFlight = undefined;
      this.refreshing = false;
      this.changed.fire();
    });
    return this.inFlight;
  }

  private async refreshAll(): Promise<void> {
    if (!this.loaded) await this.reload();
    this.refreshing = true;
    this.changed.fire();
    await Promise.all(this.entries.map(async (entry) => {
      try {
        entry.status = await (await this.collector(entry)).refresh();
        delete entry.error;
        this.history.record(entry.status);
        this.formerPrimaries.record(entry.status);
      } catch (err) {
        entry.error = err instanceof Error ? err.message : String(err);
        this.options.log?.(`refresh of cluster ${entry.definition.name} failed: ${entry.error}`);
      }
    }));
  }

  private key(e: ClusterEntry): string {
    return `${e.file}#${e.definition.name}`;
  }

  private async collector(entry: ClusterEntry): Promise<StatusCollector> {
    const key = this.key(entry);
    const existing = this.collectors.get(key);
    if (existing) return existing.collector;
    const tunnel = entry.definition.database.tunnel === true;
    if (tunnel) {
      this.sshPool ??= new SshPool({
        hostKeyPolicy: this.options.hostKeyPolicy,
        ...(this.options.secrets ? { secrets: this.options.secrets } : {}),
        ...(this.options.log ? { log: this.options.log } : {}),
      });
    }
    const sshConfigText = tunnel ? await readSshConfigText() : undefined;
    const collector = new StatusCollector(entry.definition, {
      ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
      ...(tunnel && this.sshPool ? { sshPool: this.sshPool } : {}),
      ...(sshConfigText !== undefined ? { sshConfigText } : {}),
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    this.collectors.set(key, { json: JSON.stringify(entry.definition), collector });
    return collector;
  }

  statuses(): ClusterStatus[] {
    return this.entries.flatMap((e) => (e.status ? [e.status] : []));
  }

  findCluster(name: string): ClusterEntry | undefined {
    return this.entries.find((e) => e.definition.name === name);
  }

  findNode(clusterName: string, nodeName: string): NodeRef | undefined {
    const entry = this.findCluster(clusterName);
    const node = entry?.definition.nodes.find((n) => n.name === nodeName);
    if (!entry || !node) return undefined;
    const status = entry.status?.nodes.find((n) => n.name === nodeName);
    return { cluster: entry.definition, node, ...(status ? { status } : {}) };
  }

  /** Accepts a tree NodeItem, a panel NodeRef or `{ cluster: name, node: name }`; returns fresh status. */
  resolveNode(arg: unknown): NodeRef | undefined {
    if (typeof arg !== 'object' || arg === null) return undefined;
    const a = arg as { cluster?: unknown; node?: unknown };
    const clusterName = typeof a.cluster === 'string' ? a.cluster : (a.cluster as ClusterDefinition | undefined)?.name;
    const nodeName = typeof a.node === 'string' ? a.node : (a.node as NodeDefinition | undefined)?.name;
    return typeof clusterName === 'string' && typeof nodeName === 'string' ? this.findNode(clusterName, nodeName) : undefined;
  }

  /** Auto-refresh runs while at least one watcher (visible tree, visible panel) holds a lease. */
  watch(): vscode.Disposable {
    this.watchers++;
    if (this.watchers === 1) this.restartTimer();
    let done = false;
    return new vscode.Disposable(() => {
      if (done) return;
      done = true;
      this.watchers--;
      if (this.watchers === 0) this.stopTimer();
    });
  }

  /** Called when the interval setting changes. */
  restartTimer(): void {
    this.stopTimer();
    const seconds = this.options.autoRefreshSeconds?.() ?? 0;
    if (this.watchers === 0 || !(seconds > 0)) return;
    this.timer = setInterval(() => void this.refresh(), Math.max(1, seconds) * 1000);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.stopTimer();
    for (const c of this.collectors.values()) void c.collector.close();
    this.collectors.clear();
    void this.sshPool?.close();
    this.changed.dispose();
  }
}
