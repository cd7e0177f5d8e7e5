import * as vscode from 'vscode';
import type { ClusterModel } from './tree/clusterModel';
import type { SecretStorageProvider } from './tree/connectionPrompts';

/** Everything the registration functions share; built once in activate(). */
export interface ExtensionServices {
  readonly context: vscode.ExtensionContext;
  /** The "pgpool-II" output channel: operation logs and errors (never secrets). */
  readonly log: vscode.LogOutputChannel;
  /**
   * The clusters, their latest status and their one session each, set by registerClusterTree. Commands
   * resolve a node argument once (commands/nodeArgument.ts -> `clusters.resolveNode(arg)`), use
   * `clusters.session(entry)` for SSH/SQL, and refresh through the model.
   */
  clusters?: ClusterModel;
  /** SecretStorage behind every cluster session's prompts; set by registerClusterTree. */
  secrets?: SecretStorageProvider;
}
