import * as vscode from 'vscode';
import { isOperationOutcome, type OperationOutcome } from '../../shared/protocol';
import type { ExtensionServices } from '../context';
import { editorWords } from './editorWords';
import { runOperationCommand } from './runOperation';

/** Failover to the chosen standby; when the primary still runs, offers to stop it first, or a switchover instead. */
export function promoteNode(services: ExtensionServices, arg?: unknown): Promise<OperationOutcome> {
  return runOperationCommand(services, {
    kind: 'promote',
    onRefused: async (reason, target, releaseLocks) => {
      if (!/two primaries/.test(reason)) return undefined;
      const primary = target.entry.status?.nodes.find((n) => n.role === 'primary' && n.postgres.reachable && n.name !== target.node.name)?.name ?? 'the primary';
      const fence = `Stop ${primary}, Then Promote ${target.node.name}`;
      const switchover = 'Switch Over Instead';
      const a = await vscode.window.showWarningMessage(
        `${primary} is still running as the primary: promoting ${target.node.name} now would give the cluster two primaries.`,
        { modal: true, detail: `Switch over: a planned hand-over that loses no acknowledged write.\nStop ${primary}, then promote: a failover now; ${primary} must be recovered afterwards.\n\n${editorWords(reason)}` },
        switchover, fence,
      );
      if (a === switchover) {
        await releaseLocks();
        const done = await vscode.commands.executeCommand<unknown>('pgpoolCluster.switchoverNode', { cluster: target.cluster, node: target.node.name, entry: target.entry });
        return isOperationOutcome(done) ? done : { outcome: 'failed', message: 'The switchover did not report how it ended; see the log.' };
      }
      return a === fence ? { fence: true } : undefined;
    },
  }, arg);
}
