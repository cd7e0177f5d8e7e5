import * as vscode from 'vscode';
import type { ExtensionServices } from '../context';
import type { RecoverMethod } from '../../core/ops/input';
import { runOperationCommand } from './runOperation';

const METHODS: { label: string; description: string; method?: RecoverMethod }[] = [
  { label: 'Fastest safe method', description: 'pg_rewind when the node has data of the same system, else pg_basebackup' },
  { label: 'pg_rewind', description: 'copy only the blocks that changed since the histories forked', method: 'rewind' },
  { label: 'pg_basebackup', description: 'a fresh full copy; the old data directory is moved aside', method: 'basebackup' },
  { label: 'pcp_recovery_node', description: "pgpool's online recovery with its recovery_1st_stage script", method: 'pcp' },
];

/** Online recovery of a down or detached node as a standby of the primary. */
export function recoverNode(services: ExtensionServices, arg?: unknown): Promise<void> {
  return runOperationCommand(services, {
    kind: 'recover',
    options: async () => {
      const pick = await vscode.window.showQuickPick(METHODS, { placeHolder: 'How to rebuild the node' });
      return pick ? (pick.method ? { method: pick.method } : {}) : undefined;
    },
  }, arg);
}
