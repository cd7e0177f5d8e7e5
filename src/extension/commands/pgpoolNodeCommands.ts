/**
 * Start, stop and recover a pgpool node from the tree's pgpool rows (or a quick pick): the core plan
 * (pgpoolNode.ts) shown in a plan document, confirmed, run with progress, like the node operations.
 */
import * as vscode from 'vscode';
import type { PgpoolInstance } from '../../core/inventory/model';
import { LockError } from '../../core/ops/engine/lock';
import { buildPgpoolNodePlan, probePgpoolNodeFacts, type PgpoolNodeAction } from '../../core/ops/handover/pgpoolNode';
import { renderPlan } from '../../core/ops/engine/plan';
import type { OperationOutcome } from '../../shared/protocol';
import type { ExtensionServices } from '../context';
import { showPlanDocument } from '../plans/planDocuments';
import type { ClusterEntry } from '../tree/clusterModel';
import { editorWords } from './editorWords';
import { cancelled, refused } from './nodeArgument';
import { confirmPlan, runWithProgress } from './runOperation';

interface PgpoolRef { readonly entry: ClusterEntry; readonly instance: PgpoolInstance }

const isPgpoolRef = (a: unknown): a is PgpoolRef =>
  typeof a === 'object' && a !== null && 'entry' in a && 'instance' in a && typeof (a as PgpoolRef).instance?.name === 'string';

async function pickPgpool(services: ExtensionServices, action: PgpoolNodeAction): Promise<PgpoolRef | undefined> {
  const items = (services.clusters?.entries ?? []).flatMap((entry) => entry.definition.pgpool.map((instance) => ({
    label: instance.name, description: `${entry.definition.name} · ${instance.host}:${instance.port}`, ref: { entry, instance },
  })));
  return (await vscode.window.showQuickPick(items, { placeHolder: `pgpool node to ${action}` }))?.ref;
}

async function operatePgpool(services: ExtensionServices, action: PgpoolNodeAction, arg: unknown): Promise<OperationOutcome> {
  const model = services.clusters;
  if (!model) return refused('The cluster view is not ready yet.');
  const target = isPgpoolRef(arg) ? arg : await pickPgpool(services, action);
  if (!target) return cancelled();
  const cluster = target.entry.definition;
  const name = target.instance.name;
  const session = await model.session(target.entry);
  try {
    const [status, facts] = await Promise.all([model.refreshCluster(target.entry), probePgpoolNodeFacts(cluster, session.env, name)]);
    session.env.choosePgpool(status);
    const built = buildPgpoolNodePlan(action, cluster, status, name, facts);
    if (!built.ok) return refused(editorWords(built.reason));
    await showPlanDocument(services.context, `${built.plan.operation}-${name}`, renderPlan(built.plan, await session.env.planPcpEndpoint()));
    if (!(await confirmPlan(built.plan))) return cancelled(`${built.plan.operation} ${name} was not started.`);
    const outcome = await runWithProgress(services, built.plan, session);
    if (outcome.outcome === 'done') void vscode.window.showInformationMessage(outcome.message);
    return outcome;
  } catch (err) {
    return err instanceof LockError ? refused(err.message) : { outcome: 'failed', message: `pgpool ${action} ${name} failed: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    await session.env.close();
    void model.refresh();
  }
}

async function report(services: ExtensionServices, action: PgpoolNodeAction, arg: unknown): Promise<OperationOutcome> {
  const o = await operatePgpool(services, action, arg);
  if (o.outcome === 'refused') void vscode.window.showWarningMessage(`pgpool ${action} refused: ${o.message}`);
  else if (o.outcome === 'failed') void vscode.window.showErrorMessage(o.message, 'Show Log').then((a) => { if (a) services.log.show(true); });
  services.log.info(`pgpool ${action}: ${o.outcome}: ${o.message}`);
  return o;
}

export const startPgpool = (services: ExtensionServices, arg: unknown): Promise<OperationOutcome> => report(services, 'start', arg);
export const stopPgpool = (services: ExtensionServices, arg: unknown): Promise<OperationOutcome> => report(services, 'stop', arg);
export const recoverPgpool = (services: ExtensionServices, arg: unknown): Promise<OperationOutcome> => report(services, 'recover', arg);
