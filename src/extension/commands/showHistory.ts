/**
 * "Show Cluster History" / "Show Node History": the status panel's History for a cluster (tree cluster item,
 * `{ cluster }`, or a pick) or one node (tree node item, `{ cluster, node }`, or a pick).
 */
import * as vscode from 'vscode';
import type { ExtensionServices } from '../context';
import { StatusPanel } from '../panel/statusPanel';
import { isOutcome, resolveNodeArgument } from './nodeArgument';

const clusterName = (arg: unknown): string | undefined => {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const a = arg as { cluster?: unknown; entry?: { definition?: { name?: unknown } } };
  if (typeof a.cluster === 'string') return a.cluster;
  const fromEntry = a.entry?.definition?.name;
  return typeof fromEntry === 'string' ? fromEntry : undefined;
};

export async function showClusterHistory(services: ExtensionServices, arg?: unknown): Promise<void> {
  const model = services.clusters;
  if (!model) return;
  if (!model.loaded) await model.reload();
  let name = clusterName(arg);
  if (name === undefined) {
    const names = model.entries.map((e) => e.definition.name);
    if (names.length === 0) {
      void vscode.window.showInformationMessage('No cluster is loaded: open a folder with a pgpool-cluster.yaml file.');
      return;
    }
    name = names.length === 1 ? names[0] : await vscode.window.showQuickPick(names, { placeHolder: 'The history of which cluster?' });
    if (name === undefined) return;
  }
  await StatusPanel.show(services)?.showHistory(name);
}

export async function showNodeHistory(services: ExtensionServices, arg?: unknown): Promise<void> {
  const ref = await resolveNodeArgument(services, arg, 'The history of which node?');
  if (isOutcome(ref)) {
    if (ref.outcome === 'refused') void vscode.window.showWarningMessage(ref.message);
    return;
  }
  await StatusPanel.show(services)?.showHistory(ref.cluster.name, ref.node.name);
}
