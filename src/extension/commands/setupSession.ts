/**
 * Shared by the setup commands: pick the cluster, use its one session (the same SSH pool, prompts and host-key
 * policy as the tree and the operations), show text read-only, run a plan.
 */
import * as vscode from 'vscode';
import type { ClusterDefinition } from '../../core/inventory/model';
import type { ClusterOpsEnvironment } from '../../core/ops/engine/environment';
import type { Plan } from '../../core/ops/engine/plan';
import type { ClusterStatus } from '../../core/status/model';
import type { SecretProvider } from '../../core/remote/types';
import type { OperationOutcome } from '../../shared/protocol';
import { userActed, type ExtensionServices } from '../context';
import { showPlanDocument } from '../plans/planDocuments';
import type { ClusterEntry, NodeRef } from '../tree/clusterModel';
import type { ClusterSession } from '../tree/clusterSession';
import { runWithProgress as runPlanWithProgress } from './runOperation';

/** The argument's cluster, and its node when the argument names one (resolved once, by the one guard). */
export interface ClusterPick { readonly entry: ClusterEntry; readonly node?: NodeRef }

/** A cluster from the argument (tree item, node, `{ cluster }`), else the only one, else a quick pick. */
export async function pickCluster(services: ExtensionServices, arg: unknown): Promise<ClusterEntry | undefined> {
  return (await pickClusterAndNode(services, arg))?.entry;
}

export async function pickClusterAndNode(services: ExtensionServices, arg: unknown): Promise<ClusterPick | undefined> {
  const model = services.clusters;
  if (!model) return undefined;
  userActed(services);
  if (!model.loaded) await model.reload();
  const ref = model.resolveNode(arg);
  if (ref) return { entry: ref.entry, node: ref };
  const entry = await clusterOf(services, arg);
  return entry ? { entry } : undefined;
}

async function clusterOf(services: ExtensionServices, arg: unknown): Promise<ClusterEntry | undefined> {
  const model = services.clusters;
  if (!model) return undefined;
  const a = (typeof arg === 'object' && arg !== null ? arg : {}) as { entry?: ClusterEntry; cluster?: unknown };
  if (a.entry && model.entries.includes(a.entry)) return a.entry;
  if (typeof a.cluster === 'string' || (typeof a.cluster === 'object' && a.cluster !== null)) {
    const found = model.entryOf(a.cluster as string | ClusterDefinition);
    if (found) return found;
  }
  const items = model.entries.map((entry) => ({ label: entry.definition.name, description: vscode.workspace.asRelativePath(entry.file), entry }));
  if (items.length === 0) {
    void vscode.window.showWarningMessage('No cluster is loaded: open a folder with a pgpool-cluster.yaml file, or run "Create Cluster File".');
    return undefined;
  }
  return items.length === 1 ? items[0]?.entry : (await vscode.window.showQuickPick(items, { placeHolder: 'Cluster' }))?.entry;
}

export interface EditorSession {
  readonly entry: ClusterEntry;
  readonly cluster: ClusterDefinition;
  readonly session: ClusterSession;
  readonly env: ClusterOpsEnvironment;
  readonly secrets: SecretProvider;
  /** A fresh status through the cluster's session; the tree shows it too. */
  status(): Promise<ClusterStatus>;
  /** Ends this command's SQL sessions; the SSH connections stay warm in the cluster's session. */
  close(): Promise<void>;
}

/** The cluster's session for a command; throws with a sentence when it may not connect (untrusted workspace...). */
export async function openEditorSession(services: ExtensionServices, entry: ClusterEntry): Promise<EditorSession> {
  const model = services.clusters;
  if (!model) throw new Error('The cluster view is not ready yet.');
  const session = await model.session(entry);
  const secrets: SecretProvider = services.secrets ?? { getSecret: () => Promise.resolve(undefined) };
  return {
    entry, cluster: entry.definition, session, env: session.env, secrets,
    status: () => model.refreshCluster(entry),
    close: () => session.env.close(),
  };
}

/** The session, or undefined after telling the user why not (untrusted workspace, hosts not confirmed...). */
export async function openSessionOrSay(services: ExtensionServices, entry: ClusterEntry): Promise<EditorSession | undefined> {
  try {
    return await openEditorSession(services, entry);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    services.log.warn(`cluster ${entry.definition.name}: ${message}`);
    void vscode.window.showWarningMessage(message);
    return undefined;
  }
}

/** Opens text in a read-only document: plans in the plan language, reports as Markdown. */
export async function showText(services: ExtensionServices, name: string, content: string, language?: string): Promise<void> {
  await showPlanDocument(services.context, name, content, language);
}

/** Runs a confirmed plan with a cancellable progress notification and says how it ended. */
export async function runWithProgress(services: ExtensionServices, s: EditorSession, plan: Plan): Promise<OperationOutcome> {
  const outcome = await runPlanWithProgress(services, plan, s.session);
  services.log.info(outcome.message);
  if (outcome.outcome === 'done') void vscode.window.showInformationMessage(outcome.message);
  else if (outcome.outcome === 'failed') void vscode.window.showErrorMessage(outcome.message, 'Show Log').then((a) => { if (a) services.log.show(true); });
  void services.clusters?.refresh();
  return outcome;
}
