/**
 * The one guard for a node operation's argument: a tree item, the status panel's `{ cluster, node }` names, or
 * nothing (then a quick pick). It resolves the node once, through `ClusterModel.resolveNode`; everything after
 * works on the returned NodeRef.
 */
import * as vscode from 'vscode';
import type { OperationOutcome } from '../../shared/protocol';
import { userActed, type ExtensionServices } from '../context';
import type { NodeRef } from '../tree/clusterModel';

export const refused = (message: string): OperationOutcome => ({ outcome: 'refused', message });
export const cancelled = (message = 'Cancelled.'): OperationOutcome => ({ outcome: 'cancelled', message });

const describeArg = (arg: unknown): string => {
  const a = (typeof arg === 'object' && arg !== null ? arg : {}) as { cluster?: unknown; node?: unknown };
  const name = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string' ? (v as { name: string }).name : '?');
  return `node "${name(a.node)}" in cluster "${name(a.cluster)}"`;
};

export async function resolveNodeArgument(services: ExtensionServices, arg: unknown, placeHolder: string): Promise<NodeRef | OperationOutcome> {
  const model = services.clusters;
  if (!model) return refused('The cluster view is not ready yet; try again in a moment.');
  userActed(services);
  if (!model.loaded) await model.reload();
  if (arg !== undefined && arg !== null) {
    return model.resolveNode(arg) ?? refused(`There is no ${describeArg(arg)}: refresh the Clusters view, or check the cluster file.`);
  }
  const items = model.entries.flatMap((entry) => entry.definition.nodes.map((node) => {
    const s = entry.status?.nodes.find((n) => n.name === node.name);
    return { label: node.name, description: `${entry.definition.name}${s ? ` · ${s.role} · ${s.status}` : ''}`, entry, node };
  }));
  if (items.length === 0) return refused('No cluster is loaded: open a folder with a pgpool-cluster.yaml file, or run "Create Cluster File".');
  const pick = await vscode.window.showQuickPick(items, { placeHolder });
  if (!pick) return cancelled();
  return model.resolveNode({ cluster: pick.entry.definition, node: pick.node.name, entry: pick.entry }) ?? refused(`${pick.node.name} is no longer in the cluster file.`);
}

export const isOutcome = (v: NodeRef | OperationOutcome): v is OperationOutcome => 'outcome' in v;
