/**
 * `pgpool-cluster promote|switchover|recover|attach|detach|fence NODE`: the same plans and runner as the editor.
 * Exit codes: 0 done and verified (or dry run), 1 a step or the verification failed, 2 usage, 3 refused
 * (the plan cannot be built safely, or no confirmation), 4 another operation holds the cluster's lock, 130 cancelled.
 */
import type { Command } from 'commander';
import { RECOVER_METHODS, type RecoverMethod } from '../core/ops/engine/input';
import { OPERATIONS, preparePlan, startPlanProbes, takeOperationLocks } from '../core/ops/engine/operation';
import type { OperationKind } from '../core/ops/engine/plan';
import { CliError } from './errors';
import { registerPgpoolNodeCommand } from './pgpoolNode';
import { clusterOptions, nodeArgument, openSession, planOptions, refuseShowOrRun, type EarlyLocks, type SetupCliOptions } from './setupCommon';

export interface OpsCliOptions extends SetupCliOptions {
  method?: string;
  fence?: boolean;
}

const DESCRIPTIONS: Record<OperationKind, string> = {
  promote: 'Failover to NODE (a standby). Refused while the primary still runs, unless --fence stops it first.',
  switchover: 'Planned switchover to NODE with no lost acknowledged write; the old primary becomes its standby.',
  recover: 'Rebuild a down or detached NODE as a standby (--method restart|rewind|basebackup|copy|pcp; default: fastest safe).',
  attach: 'Attach NODE in pgpool (pcp_attach_node).',
  detach: 'Detach NODE from pgpool (pcp_detach_node).',
  fence: 'Stop a false or former primary NODE so no client can write to it: detach, block TCP clients in its pg_hba, stop it (fast); "recover NODE" brings it back.',
};

export function registerOpsCommands(program: Command): void {
  for (const kind of OPERATIONS) {
    const cmd = planOptions(clusterOptions(program
      .command(`${kind} <node>`)
      .description(`${DESCRIPTIONS[kind]} Exit 0 done, 1 failed, 3 refused, 4 locked, 130 cancelled.`)), 'do not ask before a destructive plan');
    if (kind === 'recover') cmd.option('--method <method>', RECOVER_METHODS.join(' | '));
    if (kind === 'promote') cmd.option('--fence', 'stop the running primary first (fencing) instead of refusing');
    cmd.action(async (node: string, opts: OpsCliOptions) => {
      process.exitCode = await runOpsCommand(kind, node, opts);
    });
  }
  registerPgpoolNodeCommand(program);
}

export async function runOpsCommand(kind: OperationKind, node: string, opts: OpsCliOptions): Promise<number> {
  if (opts.method !== undefined && !(RECOVER_METHODS as readonly string[]).includes(opts.method)) {
    throw new CliError(`--method must be one of ${RECOVER_METHODS.join(', ')}, not "${opts.method}".`, 2);
  }
  // Milliseconds since the process started, per phase: in --json for the bench's per-step figures.
  const phases: Record<string, number> = { start: Math.round(performance.now()) };
  const s = await openSession(opts);
  let early: EarlyLocks | undefined;
  try {
    const target = nodeArgument(s.cluster, node);
    // SSH to the pgpool host at once (locks, script facts, pcp); to the nodes once the status is in, so that their
    // handshakes do not compete with the status queries for this process's CPU (the first node step comes later).
    if (!opts.dryRun) s.env.warmUp(s.cluster.pgpool.map((p) => p.name));
    const probes = startPlanProbes(kind, s.cluster, s.env);
    // With --yes nothing waits for a person: the locks are taken while the status is read, not after the plan.
    // A refused plan still says why (exit 3) before a held lock would (exit 4).
    if (opts.yes && !opts.dryRun) {
      early = { locks: takeOperationLocks(s.cluster.name, `${kind} ${target.name}`, s.cluster, s.env, { onEvent: (e) => { if (e.type === 'warning') process.stderr.write(`pgpool-cluster: ${e.message}\n`); } }) };
      early.locks.catch(() => undefined);
    }
    const status = await s.status();
    phases['status'] = Math.round(performance.now());
    if (!opts.dryRun) s.env.warmUp();
    const built = await preparePlan(kind, s.cluster, status, s.env, target, {
      ...(opts.fence ? { fence: true } : {}), ...(opts.method ? { method: opts.method as RecoverMethod } : {}),
    }, undefined, probes);
    if (built.ok) phases['plan'] = Math.round(performance.now());
    // A destructive plan is confirmed by typing the node's name; the others run without asking.
    return await refuseShowOrRun(s, built, opts, built.ok && built.plan.destructive ? built.plan.node : undefined, phases, early);
  } finally {
    if (early && !early.handedOver) await (await early.locks.catch(() => undefined))?.release();
    await s.close();
  }
}
