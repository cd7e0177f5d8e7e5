import * as vscode from 'vscode';
import type { ClusterModel } from './tree/clusterModel';

/** Everything the registration functions share; built once in activate(). */
export interface ExtensionServices {
  readonly context: vscode.ExtensionContext;
  /** The "pgpool-II" output channel: operation logs and errors (never secrets). */
  readonly log: vscode.LogOutputChannel;
  /**
   * The clusters and their latest status, set by registerClusterTree. Operations resolve a tree node or
   * panel argument with `clusters.resolveNode(arg)` -> NodeRef { cluster: ClusterDefinition;
   * node: NodeDefinition; status?: NodeStatus }, and call `clusters.refresh()` after changing a cluster.
   */
  clusters?: ClusterModel;
}
