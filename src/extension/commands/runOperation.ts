/**
 * The editor's side of an operation: resolve the node (one guard), refresh its cluster through the cluster's one
 * session (the tree's warm SSH connections, the same secret prompts), build the core Plan, show it in a
 * read-only plan document, confirm (a modal naming the node for destructive plans), run it with a cancellable
 * progress notification, log every step to the "pgpool-II" channel, then refresh the tree. It returns how it
 * ended (done / failed / refused / cancelled) so the status panel can say so.
 */
import * as vscode from 'vscode';
import type { OpsOptions } from '../../core/ops/engine/input';
import { LockError } from '../../core/ops/engine/lock';
import { preparePlan, runOperation, startPlanProbes, takeOperationLocks, type OperationLocks } from '../../core/ops/engine/operation';
import { renderPlan, type OperationKind, type Plan } from '../../core/ops/engine/plan';
import { describeRunEvent } from '../../core/ops/engine/runEventText';
import type { RunOutcome } from '../../core/ops/engine/runner';
import { isOperationOutcome, type OperationOutcome } from '../../shared/protocol';
import type { ExtensionServices } from '../context';
import { showPlanDocument } from '../plans/planDocuments';
import type { ClusterSession } from '../tree/clusterSession';
import type { NodeRef } from '../tree/clusterModel';
import { editorWords } from './editorWords';
import { cancelled, isOutcome, refused, resolveNodeArgument } from './nodeArgument';

export interface OperationRequest {
  readonly kind: OperationKind;
  /** Asks for options (recover method...) once the node is known; undefined cancels. */
  readonly options?: (services: ExtensionServices, target: NodeRef) => Promise<OpsOptions | undefined>;
  /**
   * When the plan is refused, may offer another request (e.g. promote with fencing): options to retry with,
   * the outcome of what it ran instead (a switchover, after `releaseLocks`: this operation's locks are held meanwhile),
   * or undefined to stop.
   */
  readonly onRefused?: (reason: string, target: NodeRef, releaseLocks: () => Promise<void>) => Promise<OpsOptions | OperationOutcome | undefined>;
}

/** A refused plan retried with other options (promote with fencing) within this long reuses the status it was refused on. */
const REUSE_STATUS_MS = 5_000;

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The outcome of a run, in the panel's words. */
export function runOutcome(outcome: RunOutcome): OperationOutcome {
  return { outcome: outcome.ok ? 'done' : outcome.cancelled ? 'cancelled' : 'failed', message: outcome.message };
}

export async function runOperationCommand(services: ExtensionServices, request: OperationRequest, arg: unknown): Promise<OperationOutcome> {
  const target = await resolveNodeArgument(services, arg, `Node to ${request.kind}`);
  if (isOutcome(target)) return report(services, request.kind, target);
  const result = await operate(services, request, target);
  return report(services, request.kind, result, target.node.name);
}

/** Logs the outcome and tells the user about refusals and failures (done and cancelled were already shown). */
function report(services: ExtensionServices, kind: OperationKind, o: OperationOutcome, node?: string): OperationOutcome {
  const what = node ? `${kind} ${node}` : kind;
  if (o.outcome === 'refused') {
    services.log.warn(`${what} refused: ${o.message}`);
    void vscode.window.showWarningMessage(`${what} refused: ${o.message}`);
  } else if (o.outcome === 'failed') {
    services.log.error(`${what} failed: ${o.message}`);
    void vscode.window.showErrorMessage(o.message, 'Show Log').then((a) => { if (a) services.log.show(true); });
  } else {
    services.log.info(`${what} ${o.outcome}: ${o.message}`);
  }
  return o;
}

async function operate(services: ExtensionServices, request: OperationRequest, target: NodeRef): Promise<OperationOutcome> {
  const model = services.clusters;
  if (!model) return refused('The cluster view is not ready yet.');
  let options = request.options ? await request.options(services, target) : {};
  if (!options) return cancelled();
  let session: ClusterSession;
  try {
    session = await model.session(target.entry);
  } catch (err) {
    return refused(errText(err));
  }
  const cluster = target.cluster;
  const node = target.node.name;
  // The locks are taken while the status is read and the questions are asked (the run then starts at once); they are
  // released if the plan is refused or not confirmed. Held, they also keep another operation from changing the
  // cluster between the plan and its run.
  const lock = (): Promise<OperationLocks> => {
    const l = takeOperationLocks(cluster.name, `${request.kind} ${node}`, session.definition, session.env, {
      onEvent: (e) => { if (e.type === 'warning') services.log.warn(e.message); },
    });
    l.catch(() => undefined);
    return l;
  };
  const release = async (l: Promise<OperationLocks> | undefined): Promise<void> => { await (await l?.catch(() => undefined))?.release(); };
  let locks: Promise<OperationLocks> | undefined = lock();
  let handedOver = false;
  try {
    const probes = startPlanProbes(request.kind, cluster, session.env);
    // SSH stays warm in the session; pgpool's SQL view for the steps' checks opens while the status is read.
    session.env.warmUp(cluster.pgpool.map((p) => p.name));
    const status = await model.refreshCluster(target.entry);
    const statusAt = performance.now();
    let built = await preparePlan(request.kind, cluster, status, session.env, target.node, options, undefined, probes);
    if (!built.ok && request.onRefused) {
      // What the user chooses next may be another operation (a switchover) that takes the locks itself: it lets them go first.
      const retry = await request.onRefused(built.reason, target, async () => { const l = locks; locks = undefined; await release(l); });
      if (isOperationOutcome(retry)) return retry;
      if (!retry) return cancelled(`${request.kind} ${node}: ${editorWords(built.reason)}`);
      options = { ...options, ...retry };
      locks ??= lock();
      // Answered at once: the plan with the new options is built from the same status and probes (the runner's
      // checks still guard every step); after a longer pause the cluster is read again.
      const fresh = performance.now() - statusAt <= REUSE_STATUS_MS;
      built = await preparePlan(request.kind, cluster, fresh ? status : await model.refreshCluster(target.entry), session.env, target.node, options, undefined,
        fresh ? probes : startPlanProbes(request.kind, cluster, session.env));
    }
    if (!built.ok) return refused(editorWords(built.reason));
    const plan = built.plan;
    // The plan document opens while the confirmation is asked; the run does not wait for the editor to render it.
    const text = renderPlan(plan, await session.env.planPcpEndpoint());
    void showPlanDocument(services.context, `${plan.operation}-${plan.node}`, text).catch((err: unknown) => services.log.warn(`Could not show the plan: ${errText(err)}\n${text}`));
    if (!(await confirmPlan(plan))) return cancelled(`${plan.operation} ${plan.node} was not started.`);
    handedOver = true;
    const outcome = await runWithProgress(services, plan, session, locks ?? lock());
    if (outcome.outcome === 'done') {
      void vscode.window.showInformationMessage(outcome.message);
    }
    return outcome;
  } catch (err) {
    return err instanceof LockError ? refused(err.message) : { outcome: 'failed', message: `${request.kind} ${node} failed: ${errText(err)}` };
  } finally {
    if (!handedOver) await release(locks);
    // SQL sessions are per operation (servers restart during one); the SSH connections stay warm in the session.
    await session.env.close();
    void model.refresh();
  }
}

export async function confirmPlan(plan: Plan): Promise<boolean> {
  const run = `Run ${plan.operation} on ${plan.node}`;
  const detail = `${plan.steps.length} steps; the plan is open in the editor.${plan.warnings.length ? `\n\n${plan.warnings.map(editorWords).join('\n')}` : ''}`;
  const answer = plan.destructive
    ? await vscode.window.showWarningMessage(`${plan.summary} This changes ${plan.node} and cannot simply be undone.`, { modal: true, detail }, run)
    : await vscode.window.showInformationMessage(plan.summary, { modal: true, detail }, run);
  return answer === run;
}

/** Runs a confirmed plan with a cancellable progress notification; every event goes to the log as one line. */
/** `locks`: taken beforehand (takeOperationLocks, for this plan's "<operation> <node>"); the run releases them. */
export async function runWithProgress(services: ExtensionServices, plan: Plan, session: ClusterSession, locks?: Promise<OperationLocks>): Promise<OperationOutcome> {
  services.log.info(`${plan.operation} ${plan.node} on ${plan.cluster}: starting (${plan.steps.length} steps)`);
  const outcome = await vscode.window.withProgress({
    location: vscode.ProgressLocation.Notification, title: `${plan.operation} ${plan.node}`, cancellable: true,
  }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      return await runOperation(plan, session.definition, session.env, {
        via: 'vscode', signal: abort.signal, ...(locks ? { locks } : {}),
        onEvent: (e) => {
          const line = describeRunEvent(e);
          if (line && e.type === 'step-failed') services.log.error(line);
          else if (line && e.type === 'warning') services.log.warn(line);
          else if (line) services.log.info(line);
          if (e.type === 'step-start') progress.report({ message: e.step.title, increment: 100 / e.total });
        },
      });
    } finally {
      sub.dispose();
    }
  });
  const lost = outcome.lostWalBytes !== undefined ? ` WAL not received by the new primary: ${outcome.lostWalBytes} bytes.` : '';
  return { ...runOutcome(outcome), message: `${outcome.message}${lost}` };
}
