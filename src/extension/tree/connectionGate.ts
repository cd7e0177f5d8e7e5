/**
 * Decides whether the editor may connect to a cluster's hosts: never from an untrusted workspace (Restricted
 * Mode), and the first time a cluster file would connect, only after the user has seen its hosts and agreed
 * (remembered per file and host list). A "no" holds until the user refreshes on purpose, so the auto-refresh
 * does not ask again every few seconds.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ClusterEntry } from './clusterModel';
import { clusterConnections, connectionApprovalKey } from './clusterHosts';

const APPROVED = 'pgpoolCluster.approvedClusterHosts';
export const CONNECT_BUTTON = 'Connect';

export class ConnectionGate {
  private readonly declined = new Set<string>();

  constructor(private readonly state: vscode.Memento) {}

  /** undefined when connecting is allowed, else the sentence that says why not and what to do. */
  async check(entry: ClusterEntry): Promise<string | undefined> {
    if (!vscode.workspace.isTrusted) {
      return 'This workspace is not trusted, so pgpool-cluster connects to no host from it (Restricted Mode). Trust the workspace to see the cluster\'s status.';
    }
    const confirm = vscode.workspace.getConfiguration('pgpoolCluster').get<boolean>('confirmClusterHosts') ?? true;
    if (!confirm) return undefined;
    const connections = clusterConnections(entry.definition);
    const key = connectionApprovalKey(entry.file, entry.definition.name, connections);
    const approved = this.state.get<string[]>(APPROVED) ?? [];
    if (approved.includes(key)) return undefined;
    const refusal = `Connections to cluster ${entry.definition.name}'s hosts were not allowed; run "Refresh Clusters" to be asked again.`;
    if (this.declined.has(key)) return refusal;
    const answer = await vscode.window.showWarningMessage(
      `Connect to the hosts of cluster "${entry.definition.name}"?`,
      {
        modal: true,
        detail: `${vscode.workspace.asRelativePath(entry.file)} (${path.basename(entry.file)}) asks pgpool-cluster to connect to:\n\n${connections.join('\n')}\n\n`
          + 'Allow this only for a cluster file you trust. You are asked again when the hosts in the file change.',
      },
      CONNECT_BUTTON,
    );
    if (answer !== CONNECT_BUTTON) {
      this.declined.add(key);
      return refusal;
    }
    await this.state.update(APPROVED, [...approved.filter((k) => k !== key), key].slice(-200));
    return undefined;
  }

  /** The user refreshed on purpose: ask again about clusters they declined. */
  reset(): void {
    this.declined.clear();
  }
}
