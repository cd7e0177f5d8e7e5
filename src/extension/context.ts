import * as vscode from 'vscode';
import type { ClusterModel } from './tree/clusterModel';
import type { SecretStorageProvider } from './tree/connectionPrompts';
import type { ConnectionGate } from './tree/connectionGate';

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
  /** Workspace trust and the first-connection confirmation; set by registerClusterTree. */
  connectionGate?: ConnectionGate;
}

/** The user acted on purpose (Refresh, an operation, a setup command): declined hosts and secrets may be asked again. */
export function userActed(services: ExtensionServices): void {
  services.connectionGate?.reset();
  services.secrets?.allowPromptsAgain();
}
