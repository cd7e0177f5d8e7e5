import * as vscode from 'vscode';
import type { ExtensionServices } from '../context';
import { runOperationCommand } from './runOperation';

/** Failover to the chosen standby; when the primary still runs, offers fencing (or points to switchover). */
export function promoteNode(services: ExtensionServices, arg?: unknown): Promise<void> {
  return runOperationCommand(services, {
    kind: 'promote',
    onRefused: async (reason, node) => {
      if (!/two primaries/.test(reason)) {
        void vscode.window.showWarningMessage(reason);
        return undefined;
      }
      const fence = `Stop the primary, then promote ${node}`;
      const switchover = 'Switch Over Instead';
      const a = await vscode.window.showWarningMessage(reason, { modal: true }, fence, switchover);
      if (a === switchover) await vscode.commands.executeCommand('pgpoolCluster.switchoverNode', arg);
      return a === fence ? { fence: true } : undefined;
    },
  }, arg);
}
