/**
 * The clusters the editor knows about and their latest status: cluster files loaded, one ClusterSession per
 * cluster (one SSH pool, collector and operations environment, reused across refreshes and operations),
 * refreshes coalesced, auto-refresh only while someone looks. Shared through `services.clusters` by the tree,
 * the status panel, the status bar, the operations and the setup commands.
 */
import * as vscode from 'vscode';
import { loadClusterFile, type ClusterDefinition, type InventoryError, type NodeDefinition } from '../../core/inventory';
import type { HostKeyPolicy, SecretProvider } from '../../core/remote/types';
import { readSshConfigText } from '../../core/remote/sshConfigFile';
import type { ClusterStatus, NodeStatus } from '../../core/status';
import { ClusterSession } from './clusterSession';
import { FormerPrimaries } from './formerPrimaries';
import { LagHistory } from './lagHistory';

/**
 * A node resolved from a command argument (tree item, panel message, or names): its cluster entry (file and
 * definition), its definition and its status of the last refresh. `resolveNode(arg)` is the one place that turns
 * an argument into this; everything after it works on the objects.
 */
export interface NodeRef {
  readonly entry: ClusterEntry;
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
  /**
   * Asked before the first connection to a cluster's hosts (workspace trust, first-use confirmation): a
   * returned sentence refuses (no session is built, the refresh reports it); undefined allows.
   */
  readonly mayConnect?: (entry: ClusterEntry) => Promise<string | undefined>;
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

  private sessions = new Map<string, { json: string; session: ClusterSession }>();
  private sessionsOpening = new Map<string, Promise<ClusterSession>>();
  private inFlight: Promise<void> | undefined;
  private loading: Promise<void> | undefined;
  private watchers = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ClusterModelOptions) {}

  /** Re-reads the cluster files (coalesced) and closes the sessions of clusters that changed or went away. */
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
    for (const [key, c] of this.sessions) {
      const entry = entries.find((e) => this.key(e) === key);
      if (!keep.has(key) || !entry || JSON.stringify(entry.definition) !== c.json) {
        this.sessions.delete(key);
        void c.session.close();
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
    await Promise.all(this.entries.map((entry) => this.refreshEntry(entry).catch(() => undefined)));
  }

  /** Refreshes one cluster through its session and publishes the result; throws when the refresh fails. */
  async refreshCluster(entry: ClusterEntry): Promise<ClusterStatus> {
    const status = await this.refreshEntry(entry);
    this.changed.fire();
    return status;
  }

  private async refreshEntry(entry: ClusterEntry): Promise<ClusterStatus> {
    try {
      const status = await (await this.session(entry)).refresh();
      entry.status = status;
      delete entry.error;
      this.history.record(status);
      this.formerPrimaries.record(status);
      return status;
    } catch (err) {
      entry.error = err instanceof Error ? err.message : String(err);
      this.options.log?.(`refresh of cluster ${entry.definition.name} failed: ${entry.error}`);
      throw err;
    }
  }

  private key(e: ClusterEntry): string {
    return `${e.file}#${e.definition.name}`;
  }

  /**
   * The cluster's one session, built on first use (after `mayConnect` agreed) and kept until its definition
   * changes. Tree, panel, operations and setup commands all get the same one.
   */
  session(entry: ClusterEntry): Promise<ClusterSession> {
    const key = this.key(entry);
    const json = JSON.stringify(entry.definition);
    const existing = this.sessions.get(key);
    if (existing?.json === json) return Promise.resolve(existing.session);
    let opening = this.sessionsOpening.get(key);
    if (!opening) {
      opening = this.openSession(entry, key, json).finally(() => this.sessionsOpening.delete(key));
      this.sessionsOpening.set(key, opening);
    }
    return opening;
  }

  private async openSession(entry: ClusterEntry, key: string, json: string): Promise<ClusterSession> {
    const refusal = await this.options.mayConnect?.(entry);
    if (refusal !== undefined) throw new Error(refusal);
    const sshConfigText = await readSshConfigText();
    const session = new ClusterSession(entry.definition, {
      hostKeyPolicy: this.options.hostKeyPolicy,
      ...(this.options.secrets ? { secrets: this.options.secrets } : {}),
      ...(sshConfigText !== undefined ? { sshConfigText } : {}),
      ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    const old = this.sessions.get(key);
    this.sessions.set(key, { json, session });
    if (old) void old.session.close();
    return session;
  }

  statuses(): ClusterStatus[] {
    return this.entries.flatMap((e) => (e.status ? [e.status] : []));
  }

  findCluster(name: string): ClusterEntry | undefined {
    return this.entries.find((e) => e.definition.name === name);
  }

  /** The entry that defines this cluster: the same object from the tree, else by file and name, else by name. */
  entryOf(cluster: ClusterDefinition | string, file?: string): ClusterEntry | undefined {
    if (typeof cluster !== 'string') {
      const same = this.entries.find((e) => e.definition === cluster);
      if (same) return same;
    }
    const name = typeof cluster === 'string' ? cluster : cluster.name;
    return (file !== undefined ? this.entries.find((e) => e.file === file && e.definition.name === name) : undefined) ?? this.findCluster(name);
  }

  /**
   * The one guard for node arguments: a tree NodeItem, a NodeRef, or `{ cluster: name, node: name }` from the
   * status panel or a caller. Returns the node with the status of the last refresh, or undefined.
   */
  resolveNode(arg: unknown): NodeRef | undefined {
    if (typeof arg !== 'object' || arg === null) return undefined;
    const a = arg as { cluster?: unknown; node?: unknown; entry?: unknown };
    const cluster = typeof a.cluster === 'string' ? a.cluster
      : typeof a.cluster === 'object' && a.cluster !== null && typeof (a.cluster as { name?: unknown }).name === 'string' ? a.cluster as ClusterDefinition : undefined;
    const nodeName = typeof a.node === 'string' ? a.node
      : typeof a.node === 'object' && a.node !== null ? (a.node as { name?: unknown }).name : undefined;
    if (cluster === undefined || typeof nodeName !== 'string') return undefined;
    const file = typeof a.entry === 'object' && a.entry !== null ? (a.entry as { file?: unknown }).file : undefined;
    const entry = this.entryOf(cluster, typeof file === 'string' ? file : undefined);
    const node = entry?.definition.nodes.find((n) => n.name === nodeName);
    if (!entry || !node) return undefined;
    const status = entry.status?.nodes.find((n) => n.name === nodeName);
    return { entry, cluster: entry.definition, node, ...(status ? { status } : {}) };
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
    for (const c of this.sessions.values()) void c.session.close();
    this.sessions.clear();
    this.changed.dispose();
  }
}
