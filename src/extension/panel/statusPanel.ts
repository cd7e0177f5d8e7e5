/**
 * "Show Cluster Status": one webview panel fed from the ClusterModel. The webview is rebuilt when shown
 * again (retainContextWhenHidden off) and restores itself from its own state; while visible it holds an
 * auto-refresh lease on the model and receives every update.
 */
import * as vscode from 'vscode';
import type { ExtensionServices } from '../context';
import type { ClusterModel } from '../tree/clusterModel';
import {
  NODE_OPERATIONS, NodeOperationMsg, OPERATION_COMMANDS, ReadyMsg, RefreshMsg, isFromWebview, isOperationOutcome,
  type NodeOperation, type NodeOperationRequest, type OperationOutcome, type StatusUpdate, type ToWebview,
} from '../../shared/protocol';
import { HistoryRequestMsg, OpenEventSourceMsg } from '../../shared/historyProtocol';
import { HistoryFeed } from './historyFeed';
import { makeNonce, panelHtml } from './panelHtml';

export const STATUS_PANEL_VIEW_TYPE = 'pgpoolCluster.status';

export class StatusPanel implements vscode.Disposable {
  private static current: StatusPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private lease: vscode.Disposable | undefined;
  private readonly history: HistoryFeed;
  /** A History asked for before the webview said it is ready (the panel was just opened by a command). */
  private pendingHistory: { cluster: string; node?: string } | undefined;
  private ready = false;

  static show(services: ExtensionServices): StatusPanel | undefined {
    const model = services.clusters;
    if (!model) {
      void vscode.window.showErrorMessage('The cluster view is not ready yet.');
      return undefined;
    }
    if (StatusPanel.current) {
      StatusPanel.current.panel.reveal();
      return StatusPanel.current;
    }
    const root = services.context.extensionUri;
    const panel = vscode.window.createWebviewPanel(STATUS_PANEL_VIEW_TYPE, 'Cluster Status', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(root, 'dist'), vscode.Uri.joinPath(root, 'media')],
    });
    StatusPanel.current = new StatusPanel(panel, model, services);
    return StatusPanel.current;
  }

  private constructor(private readonly panel: vscode.WebviewPanel, private readonly model: ClusterModel, private readonly services: ExtensionServices) {
    const webview = panel.webview;
    const root = services.context.extensionUri;
    this.history = new HistoryFeed(model, services.log);
    this.disposables.push(this.history);
    panel.iconPath = vscode.Uri.joinPath(root, 'media', 'pgpool.svg');
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'media', 'panel.css')).toString(),
      nonce: makeNonce(),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      model.onDidChange(() => { if (panel.visible) void this.postStatus(); }),
      panel.onDidChangeViewState(() => this.updateLease()),
      panel.onDidDispose(() => this.dispose()),
    );
    this.updateLease();
  }

  private updateLease(): void {
    if (this.panel.visible && !this.lease) {
      this.lease = this.model.watch();
      void this.model.refresh();
    } else if (!this.panel.visible && this.lease) {
      this.lease.dispose();
      this.lease = undefined;
    }
  }

  private async onMessage(m: unknown): Promise<void> {
    if (!isFromWebview(m)) {
      this.services.log.warn('status panel: ignored a malformed message');
      return;
    }
    if (ReadyMsg.is(m)) {
      this.ready = true;
      await this.postStatus();
      if (!this.model.refreshing) void this.model.refresh();
      const pending = this.pendingHistory;
      this.pendingHistory = undefined;
      if (pending) await this.showHistory(pending.cluster, pending.node);
    } else if (HistoryRequestMsg.is(m)) {
      await this.showHistory(m.cluster, m.node);
    } else if (OpenEventSourceMsg.is(m)) {
      await this.history.open(m.cluster, m.id);
    } else if (RefreshMsg.is(m)) {
      await this.model.refresh();
    } else if (NodeOperationMsg.is(m)) {
      await this.runOperation(m);
    }
  }

  /** Reads the cluster's logs and shows its timeline (one node's when `node` is given) in the panel. */
  async showHistory(cluster: string, node?: string): Promise<void> {
    if (!this.ready) {
      this.pendingHistory = { cluster, ...(node ? { node } : {}) };
      return;
    }
    await this.post({ type: 'history', cluster, ...(node ? { node } : {}), reading: true, events: [], omitted: 0, explanations: [], sources: [], problems: [] });
    await this.post(await this.history.read(cluster, node));
  }

  private async availableOperations(): Promise<Record<NodeOperation, boolean>> {
    const registered = new Set(await vscode.commands.getCommands(true));
    const out = {} as Record<NodeOperation, boolean>;
    for (const op of NODE_OPERATIONS) out[op] = registered.has(OPERATION_COMMANDS[op]);
    return out;
  }

  /**
   * Runs the operation's command with the message's names; the command resolves the node (the one guard) and
   * returns how it ended, which the panel shows as it is: done, failed, refused or cancelled.
   */
  private async runOperation(req: NodeOperationRequest): Promise<void> {
    const reply = (o: OperationOutcome): Thenable<boolean> => this.post({ type: 'operationResult', requestId: req.requestId, ...o });
    if (!(await this.availableOperations())[req.operation]) {
      await reply({ outcome: 'refused', message: `${req.operation} is not available in this version.` });
      return;
    }
    try {
      const result = await vscode.commands.executeCommand<unknown>(OPERATION_COMMANDS[req.operation], { cluster: req.cluster, node: req.node });
      await reply(isOperationOutcome(result) ? result : { outcome: 'failed', message: `${req.operation} of ${req.node} did not report how it ended; see the log.` });
    } catch (err) {
      await reply({ outcome: 'failed', message: `${req.operation} of ${req.node} failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  private async postStatus(): Promise<void> {
    const update: StatusUpdate = {
      type: 'status',
      clusters: this.model.entries.map((e) => ({
        name: e.definition.name,
        file: vscode.workspace.asRelativePath(e.file),
        ...(e.status ? { status: e.status } : {}),
        ...(e.error ? { error: e.error } : {}),
        lagHistory: this.model.history.forCluster(e.definition.name),
      })),
      fileErrors: this.model.fileProblems.flatMap((p) => (p.errors.length > 0
        ? p.errors.map((x) => `${vscode.workspace.asRelativePath(p.file)}:${x.line}:${x.column}: ${x.message}`)
        : [p.message])),
      refreshing: this.model.refreshing,
      available: await this.availableOperations(),
    };
    await this.post(update);
  }

  private post(message: ToWebview): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (StatusPanel.current === this) StatusPanel.current = undefined;
    this.lease?.dispose();
    this.lease = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

export function showStatusPanel(services: ExtensionServices): void {
  StatusPanel.show(services);
}
