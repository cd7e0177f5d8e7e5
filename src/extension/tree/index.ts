/**
 * Registers the "Clusters" view, the ClusterModel behind it (published as `services.clusters` for the
 * status panel and the operations), the health status bar item and the reload/auto-refresh wiring.
 */
import * as vscode from 'vscode';
import type { ExtensionServices } from '../context';
import { CLUSTER_FILE_GLOB, discoverClusterFiles } from './clusterFiles';
import { ClusterModel } from './clusterModel';
import { ClusterTreeProvider } from './clusterTreeProvider';
import { SecretStorageProvider, askingHostKeyPolicy } from './connectionPrompts';
import { ConnectionGate } from './connectionGate';
import { createHealthStatusBar } from './statusBar';

export const CLUSTERS_VIEW_ID = 'pgpoolCluster.clusters';

export type { NodeRef, ClusterModel } from './clusterModel';
export type { NodeItem } from './clusterTreeProvider';

/** No auto-refresh in an untrusted workspace: it would connect nowhere anyway. */
function autoRefreshSeconds(): number {
  if (!vscode.workspace.isTrusted) return 0;
  return vscode.workspace.getConfiguration('pgpoolCluster').get<number>('autoRefreshSeconds') ?? 10;
}

export function registerClusterTree(services: ExtensionServices): ClusterModel {
  const { context, log } = services;
  const secrets = new SecretStorageProvider(context.secrets, context.globalState);
  const gate = new ConnectionGate(context.globalState);
  services.secrets = secrets;
  services.connectionGate = gate;
  const model = new ClusterModel({
    discoverFiles: discoverClusterFiles,
    secrets,
    mayConnect: (entry) => gate.check(entry),
    hostKeyPolicy: askingHostKeyPolicy(),
    log: (line) => log.info(line),
    autoRefreshSeconds,
  });
  services.clusters = model;
  const provider = new ClusterTreeProvider(model);
  const view = vscode.window.createTreeView(CLUSTERS_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });

  // Auto-refresh only while the view is visible (the status panel takes its own lease).
  let lease: vscode.Disposable | undefined;
  const onVisibility = (): void => {
    if (view.visible && !lease) lease = model.watch();
    else if (!view.visible && lease) {
      lease.dispose();
      lease = undefined;
    }
  };
  onVisibility();

  const setNoClusterFile = (): Thenable<unknown> =>
    vscode.commands.executeCommand('setContext', 'pgpoolCluster.noClusterFile', model.files.length === 0);
  const watcher = vscode.workspace.createFileSystemWatcher(CLUSTER_FILE_GLOB);
  const reloadAndRefresh = (): void => void model.reload().then(() => model.refresh());

  context.subscriptions.push(
    model, provider, view, watcher,
    view.onDidChangeVisibility(onVisibility),
    { dispose: () => lease?.dispose() },
    model.onDidChange(() => void setNoClusterFile()),
    watcher.onDidCreate(reloadAndRefresh),
    watcher.onDidChange(reloadAndRefresh),
    watcher.onDidDelete(reloadAndRefresh),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (model.files.includes(doc.uri.fsPath)) reloadAndRefresh();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(reloadAndRefresh),
    vscode.workspace.onDidGrantWorkspaceTrust(() => { model.restartTimer(); reloadAndRefresh(); }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('pgpoolCluster.clusterFiles')) reloadAndRefresh();
      if (e.affectsConfiguration('pgpoolCluster.autoRefreshSeconds')) model.restartTimer();
    }),
    createHealthStatusBar(model),
  );
  void model.reload().then(setNoClusterFile, (err: unknown) => log.error(`loading cluster files failed: ${String(err)}`));
  return model;
}
