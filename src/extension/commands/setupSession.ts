/** Shared by the setup commands: pick the cluster, open SSH/SQL for it, show text read-only, run a plan. */
import * as vscode from 'vscode';
import type { ClusterDefinition } from '../../core/inventory/model';
import { ClusterOpsEnvironment } from '../../core/ops/environment';
import { runOperation } from '../../core/ops/operation';
import type { Plan } from '../../core/ops/plan';
import { readSshConfigText } from '../../core/remote/sshConfigFile';
import { SshPool } from '../../core/remote/sshPool';
import { StatusCollector } from '../../core/status/collector';
import type { ClusterStatus } from '../../core/status/model';
import type { ExtensionServices } from '../context';
import { SecretStorageProvider } from '../tree/connectionPrompts';

export async function pickCluster(services: ExtensionServices, arg: unknown): Promise<ClusterDefinition | undefined> {
  const ref = services.clusters?.resolveNode(arg);
  if (ref) return ref.cluster;
  const items = (services.clusters?.statuses() ?? []).flatMap((s) => {
    const entry = services.clusters?.findCluster(s.name);
    return entry ? [{ label: s.name, cluster: entry.definition }] : [];
  });
  if (items.length === 0) {
    void vscode.window.showWarningMessage('No cluster is loaded: open a folder with a pgpool-cluster.yaml file.');
    return undefined;
  }
  return items.length === 1 ? items[0]?.cluster : (await vscode.window.showQuickPick(items, { placeHolder: 'Cluster' }))?.cluster;
}

export interface EditorSession {
  readonly env: ClusterOpsEnvironment;
  readonly secrets: SecretStorageProvider;
  status(): Promise<ClusterStatus>;
  close(): Promise<void>;
}

export async function openEditorSession(services: ExtensionServices, cluster: ClusterDefinition): Promise<EditorSession> {
  const secrets = new SecretStorageProvider(services.context.secrets);
  const pool = new SshPool({ hostKeyPolicy: { mode: 'strict' }, secrets, log: (l) => services.log.info(l) });
  const sshConfigText = await readSshConfigText();
  const env = new ClusterOpsEnvironment(cluster, { sshPool: pool, ...(sshConfigText !== undefined ? { sshConfigText } : {}), log: (l) => services.log.warn(l) });
  const collector = new StatusCollector(cluster, { log: (l) => services.log.warn(l) });
  return {
    env, secrets, status: () => collector.refresh(),
    close: async () => { await collector.close(); await env.close(); await pool.close(); },
  };
}

/** Opens text in an untitled read-only-in-spirit document of the given language. */
export async function showText(content: string, language: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ content, language });
  await vscode.window.showTextDocument(doc, { preview: true });
}

/** Runs a confirmed plan with a cancellable progress notification; logs every step. */
export async function runWithProgress(services: ExtensionServices, cluster: ClusterDefinition, env: ClusterOpsEnvironment, plan: Plan): Promise<void> {
  const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `${plan.operation} ${plan.node}`, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    return runOperation(plan, cluster, env, {
      via: 'vscode', signal: abort.signal,
      onEvent: (e) => {
        if (e.type === 'step-start') { services.log.info(`[${e.index + 1}/${e.total}] ${e.step.title}`); progress.report({ message: e.step.title, increment: 100 / e.total }); }
        if (e.type === 'step-failed') services.log.error(`[${e.index + 1}] FAILED: ${e.error}`);
        if (e.type === 'warning') services.log.warn(e.message);
      },
    });
  });
  services.log.info(outcome.message);
  if (outcome.ok) void vscode.window.showInformationMessage(outcome.message);
  else void vscode.window.showErrorMessage(outcome.message, 'Show Log').then((a) => { if (a) services.log.show(true); });
}
