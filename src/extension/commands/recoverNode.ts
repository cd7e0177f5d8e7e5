import * as vscode from 'vscode';
import type { OperationOutcome } from '../../shared/protocol';
import type { ExtensionServices } from '../context';
import type { RecoverMethod } from '../../core/ops/engine/input';
import { runOperationCommand } from './runOperation';

const METHODS: { label: string; description: string; method?: RecoverMethod }[] = [
  { label: 'Fastest safe method', description: 'start it as a standby when its WAL never went past the fork, else pg_rewind (or rsync when the primary\'s pg_wal is large), else a full copy' },
  { label: 'Start as a standby', description: 'no copy: for a crashed standby, or a node that never diverged', method: 'restart' },
  { label: 'pg_rewind', description: 'copy only the blocks that changed since the histories forked (and the primary\'s whole pg_wal)', method: 'rewind' },
  { label: 'pg_basebackup', description: 'a fresh full copy; the old data directory is moved aside', method: 'basebackup' },
  { label: 'Backup API + rsync', description: 'pg_backup_start/stop around rsync over SSH: only differing pages cross the link', method: 'copy' },
  { label: 'pcp_recovery_node', description: "pgpool's online recovery with its recovery_1st_stage script", method: 'pcp' },
];

/** Online recovery of a down or detached node as a standby of the primary. */
export function recoverNode(services: ExtensionServices, arg?: unknown): Promise<OperationOutcome> {
  return runOperationCommand(services, {
    kind: 'recover',
    options: async (_services, target) => {
      const pick = await vscode.window.showQuickPick(METHODS, { placeHolder: `How to rebuild ${target.node.name}` });
      return pick ? (pick.method ? { method: pick.method } : {}) : undefined;
    },
  }, arg);
}
