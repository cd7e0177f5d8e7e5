/**
 * The editor's side of an operation: resolve the node, collect fresh status, build the core Plan, show it in a
 * read-only document, confirm (a modal naming the node for destructive plans), run it with a cancellable
 * progress notification, log every step to the "pgpool-II" channel, then refresh the tree.
 */
import * as vscode from 'vscode';
import type { ClusterDefinition } from '../../core/inventory/model';
import { ClusterOpsEnvironment, pcpEndpoint } from '../../core/ops/environment';
import type { OpsOptions } from '../../core/ops/input';
import { LockError } from '../../core/ops/lock';
import { preparePlan, runOperation } from '../../core/ops/operation';
import { renderPlan, type OperationKind, type Plan, type PlanResult } from '../../core/ops/plan';
import type { RunEvent } from '../../core/ops/runner';
import { readSshConfigText } from '../../core/remote/sshConfigFile';
import { SshPool } from '../../core/remote/sshPool';
import { StatusCollector } from '../../core/status/collector';
import type { ExtensionServices } from '../context';

const PLAN_SCHEME = 'pgpool-cluster-plan';
const plans = new Map<string, string>();
let providerRegistered = false;

/** Plans open in a read-only virtual document. */
async function showPlanDocument(services: ExtensionServices, plan: Plan, text: string): Promise<void> {
  if (!providerRegistered) {
    providerRegistered = true;
    services.context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(PLAN_SCHEME, {
      provideTextDocumentContent: (uri) => plans.get(uri.path) ?? '',
    }));
  }
  const path = `/${plan.operation}-${plan.node.replace(/[^A-Za-z0-9_.-]/g, '_')}-${Date.now()}.plan`;
  plans.set(path, text);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: PLAN_SCHEME, path }));
  await vscode.window.showTextDocument(doc, { preview: true });
}

async function pickNode(services: ExtensionServices, kind: OperationKind): Promise<{ cluster: ClusterDefinition; node: string } | undefined> {
  const items = (services.clusters?.statuses() ?? []).flatMap((s) => {
    const entry = services.clusters?.findCluster(s.name);
    return entry ? s.nodes.map((n) => ({ label: n.name, description: `${s.name} · ${n.role} · ${n.status}`, cluster: entry.definition, node: n.name })) : [];
  });
  if (items.length === 0) {
    void vscode.window.showWarningMessage('No cluster is loaded: open a folder with a pgpool-cluster.yaml file.');
    return undefined;
  }
  return vscode.window.showQuickPick(items, { placeHolder: `Node to ${kind}` });
}

function describe(e: RunEvent): string | undefined {
  switch (e.type) {
    case 'step-start': return `[${e.index + 1}/${e.total}] ${e.step.title}`;
    case 'step-skipped': return `[${e.index + 1}] skipped: ${e.step.title} (${e.reason})`;
    case 'step-done': return `[${e.index + 1}] ok in ${e.ms} ms`;
    case 'step-failed': return `[${e.index + 1}] FAILED: ${e.error}`;
    case 'warning': return `warning: ${e.message}`;
    case 'verify': return `verify ${e.ok ? 'ok' : 'FAILED'}: ${e.describe}${e.ok ? '' : ` (${e.detail})`}`;
    case 'output': return e.text.trimEnd();
  }
}

export interface OperationRequest {
  readonly kind: OperationKind;
  /** Asks for options (recover method...) once the node is known; undefined cancels. */
  readonly options?: (services: ExtensionServices) => Promise<OpsOptions | undefined>;
  /** When the plan is refused, may offer another request (e.g. promote with fencing); undefined stops. */
  readonly onRefused?: (reason: string, node: string) => Promise<OpsOptions | undefined>;
}

export async function runOperationCommand(services: ExtensionServices, request: OperationRequest, arg: unknown): Promise<void> {
  const ref = services.clusters?.resolveNode(arg);
  const target = ref ? { cluster: ref.cluster, node: ref.node.name } : await pickNode(services, request.kind);
  if (!target) return;
  let options = request.options ? await request.options(services) : {};
  if (!options) return;
  const pool = new SshPool({ hostKeyPolicy: { mode: 'strict' }, log: (l) => services.log.info(l) });
  const sshConfigText = await readSshConfigText();
  const env = new ClusterOpsEnvironment(target.cluster, { sshPool: pool, ...(sshConfigText !== undefined ? { sshConfigText } : {}), log: (l) => services.log.warn(l) });
  const collector = new StatusCollector(target.cluster, { log: (l) => services.log.warn(l) });
  try {
    let built: PlanResult = await preparePlan(request.kind, target.cluster, await collector.refresh(), env, target.node, options);
    if (!built.ok && request.onRefused) {
      const retry = await request.onRefused(built.reason, target.node);
      if (retry) {
        options = { ...options, ...retry };
        built = await preparePlan(request.kind, target.cluster, await collector.refresh(), env, target.node, options);
      } else return;
    }
    if (!built.ok) {
      services.log.warn(`${request.kind} ${target.node} refused: ${built.reason}`);
      void vscode.window.showWarningMessage(`${request.kind} ${target.node} refused: ${built.reason}`);
      return;
    }
    const plan = built.plan;
    await showPlanDocument(services, plan, renderPlan(plan, pcpEndpoint(target.cluster)));
    const run = `Run ${plan.operation} on ${plan.node}`;
    const detail = `${plan.steps.length} steps.${plan.warnings.length ? ` Warnings: ${plan.warnings.join(' ')}` : ''}`;
    const answer = plan.destructive
      ? await vscode.window.showWarningMessage(`${plan.summary} This changes ${plan.node} and cannot simply be undone.`, { modal: true, detail }, run)
      : await vscode.window.showInformationMessage(plan.summary, { modal: true, detail }, run);
    if (answer !== run) return;
    services.log.info(`${plan.operation} ${plan.node} on ${plan.cluster}: starting (${plan.steps.length} steps)`);
    const outcome = await vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification, title: `${plan.operation} ${plan.node}`, cancellable: true,
    }, async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return runOperation(plan, target.cluster, env, {
        via: 'vscode', signal: abort.signal,
        onEvent: (e) => {
          const line = describe(e);
          if (line) services.log.info(line);
          if (e.type === 'step-start') progress.report({ message: e.step.title, increment: 100 / e.total });
        },
      });
    });
    services.log.info(outcome.message);
    if (outcome.ok) {
      const lost = outcome.lostWalBytes !== undefined ? ` WAL not received by the new primary: ${outcome.lostWalBytes} bytes.` : '';
      void vscode.window.showInformationMessage(`${outcome.message}${lost}`);
    } else {
      void vscode.window.showErrorMessage(outcome.message, 'Show Log').then((a) => { if (a) services.log.show(true); });
    }
  } catch (err) {
    const message = err instanceof LockError ? err.message : `${request.kind} ${target.node} failed: ${err instanceof Error ? err.message : String(err)}`;
    services.log.error(message);
    void vscode.window.showErrorMessage(message);
  } finally {
    await collector.close();
    await env.close();
    await pool.close();
    await vscode.commands.executeCommand('pgpoolCluster.refresh').then(undefined, () => undefined);
  }
}
