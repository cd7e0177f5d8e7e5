/** "Set Up Streaming Replication": make the chosen node a standby of the primary (destructive: confirm by name). */
import * as vscode from 'vscode';
import { renderPlan } from '../../core/ops/engine/plan';
import type { CopyMethod } from '../../core/ops/engine/input';
import { applyDiscovery } from '../../core/ops/preflight/discovery';
import { nodeIn, withDiscovery } from '../../core/ops/engine/operation';
import { buildSetupReplicationPlan, probeSetupReplicationFacts } from '../../core/ops/setup/setupReplication';
import type { ExtensionServices } from '../context';
import { editorWords } from './editorWords';
import { openSessionOrSay, pickClusterAndNode, runWithProgress, showText } from './setupSession';

const METHODS: { label: string; description: string; method?: CopyMethod }[] = [
  { label: 'Automatic', description: "pg_basebackup when the node's pg_basebackup is as new as the server, else the backup API + rsync" },
  { label: 'pg_basebackup', description: 'a fresh copy over a replication connection', method: 'basebackup' },
  { label: 'Backup API + rsync', description: "pg_backup_start/stop around rsync over SSH (servers newer than the node's pg_basebackup)", method: 'copy' },
];

export async function setupReplication(services: ExtensionServices, arg?: unknown): Promise<void> {
  const picked = await pickClusterAndNode(services, arg);
  if (!picked) return;
  const { entry, node: ref } = picked;
  const fileCluster = entry.definition;
  const node = ref?.node ?? (await vscode.window.showQuickPick(fileCluster.nodes.map((n) => ({ label: n.name, node: n })), { placeHolder: 'Node to make a standby' }))?.node;
  if (!node) return;
  const slot = await vscode.window.showInputBox({ prompt: 'Replication slot name (empty: none)', validateInput: (v) => (v === '' || /^[a-z0-9_]{1,63}$/.test(v) ? undefined : 'lower-case letters, digits, _') });
  if (slot === undefined) return;
  const pick = await vscode.window.showQuickPick(METHODS, { placeHolder: 'How to copy the primary' });
  if (!pick) return;
  const method = pick.method;
  const s = await openSessionOrSay(services, entry);
  if (!s) return;
  try {
    const user = fileCluster.replication.user ?? 'replicator';
    const status = await s.status();
    // As the CLI: program and data directories the cluster file leaves out come from the hosts (shown in the plan).
    const discovered = await s.env.discover(status);
    const cluster = applyDiscovery(fileCluster, discovered);
    const target = nodeIn(cluster, fileCluster, node);
    const facts = method ? {} : await probeSetupReplicationFacts(target, s.env);
    // The role's password lives on the primary: the secret is named by the primary's host, port and the user.
    const primary = status.nodes.find((n) => n.role === 'primary' && n.postgres.reachable) ?? status.nodes.find((n) => n.role === 'primary');
    const secret = { kind: 'replication-password', key: `${user}@${primary?.host ?? cluster.nodes[0]?.host ?? '?'}:${primary?.port ?? 5432}`, prompt: `Password for ${user} (Escape: keep the current one)` } as const;
    const replicationPassword = await s.secrets.getSecret(secret);
    const built = withDiscovery(buildSetupReplicationPlan({ cluster, status, facts }, target, {
      ...(method ? { method } : {}), ...(slot ? { slot } : {}), ...(replicationPassword ? { replicationPassword } : {}),
    }), discovered);
    if (!built.ok) { void vscode.window.showWarningMessage(editorWords(built.reason)); return; }
    await showText(services, `setup-replication-${node.name}`, renderPlan(built.plan, await s.env.planPcpEndpoint()));
    const typed = await vscode.window.showInputBox({ prompt: `${built.plan.summary} Type the node name "${node.name}" to run it.`, ignoreFocusOut: true });
    if (typed !== node.name) return;
    const outcome = await runWithProgress(services, s, built.plan);
    if (outcome.outcome === 'done' && replicationPassword !== undefined) await s.secrets.secretWorked?.(secret);
  } finally {
    await s.close();
  }
}
