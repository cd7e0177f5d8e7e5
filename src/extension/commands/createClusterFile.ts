/** "Create Cluster File": writes a commented pgpool-cluster.yaml in the workspace (never over an existing one). */
import * as vscode from 'vscode';
import { DEFAULT_CLUSTER_FILE } from '../../core/inventory';
import type { ExtensionServices } from '../context';
import { CLUSTER_FILE_TEMPLATE } from './clusterFileTemplate';

export async function createClusterFile(services: ExtensionServices): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const target = folder
    ? vscode.Uri.joinPath(folder.uri, DEFAULT_CLUSTER_FILE)
    : await vscode.window.showSaveDialog({ title: 'Create cluster file', filters: { YAML: ['yaml'] }, saveLabel: 'Create' });
  if (!target) return;
  const exists = await vscode.workspace.fs.stat(target).then(() => true, () => false);
  if (!exists) {
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(CLUSTER_FILE_TEMPLATE));
    services.log.info(`Created ${target.fsPath}`);
  }
  await vscode.window.showTextDocument(target);
  await services.clusters?.reload();
}
