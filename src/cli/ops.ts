/**
 * `pgpool-cluster promote|switchover|recover|attach|detach|fence NODE`: the same plans and runner as the editor.
 * Exit codes: 0 done and verified (or dry run), 1 a step or the verification failed, 2 usage, 3 refused
 * (the plan cannot be built safely, or no confirmation), 4 another operation holds the cluster's lock, 130 cancelled.
 */
import type { Command } from 'commander';
import type { ClusterDefinition } from '../core/inventory/model';
import { loadClusterFile, resolveClusterFilePath, selectClusters } from '../core/inventory/load';
import { ClusterOpsEnvironment } from '../core/ops/environment';
import { RECOVER_METHODS, type RecoverMethod } from '../core/ops/input';
import { LockError } from '../core/ops/lock';
import { OPERATIONS, preparePlan, runOperation, startPlanProbes } from '../core/ops/operation';
import { planToJson, renderPlan, type OperationKind, type Plan } from '../core/ops/plan';
import type { RunOutcome } from '../core/ops/runner';
import { readSshConfigText } from '../core/remote/sshConfigFile';
import { SshPool } from '../core/remote/sshPool';
import { StatusCollector } from '../core/status/collector';
import { CliError, clusterFileError, errorJson, outcomeError, reportFailure } from './errors';
import { clusterOptions, planOptions } from './setupCommon';
import { registerPgpoolNodeCommand } from './pgpoolNode';
import { describeRunEvent } from '../core/ops/runEventText';
import { ask } from './terminal';
import { CliSecretProvider } from './secrets';
import { installInterrupts, type Interrupts } from './interrupt';

export interface OpsCliOptions {
  cluster?: string;
  file?: string;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  method?: string;
  fence?: boolean;
  acceptNewHostKeys?: boolean;
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

function pickCluster(clusters: readonly ClusterDefinition[]): ClusterDefinition {
  if (clusters.length !== 1 || !clusters[0]) {
    throw new CliError(`The file defines ${clusters.length} clusters (${clusters.map((c) => c.name).join(', ')}); choose one with --cluster.`, 2);
  }
  return clusters[0];
}


function formatOutcome(plan: Plan, o: RunOutcome): string {
  const lines = [o.message, `duration: ${o.durationMs} ms`];
  if (o.lostWalBytes !== undefined) lines.push(`WAL the old primary had that ${plan.node} never received: ${o.lostWalBytes} bytes`);
  return `${lines.join('\n')}\n`;
}

export async function runOpsCommand(kind: OperationKind, node: string, opts: OpsCliOptions): Promise<number> {
  // Milliseconds since the process started, per phase: in --json for the bench's per-step figures.
  const phases: Record<string, number> = { start: Math.round(performance.now()) };
  const mark = (name: string): void => { phases[name] = Math.round(performance.now()); };
  if (opts.method !== undefined && !(RECOVER_METHODS as readonly string[]).includes(opts.method)) {
    throw new CliError(`--method must be one of ${RECOVER_METHODS.join(', ')}, not "${opts.method}".`, 2);
  }
  const loaded = await loadClusterFile(resolveClusterFilePath(opts.file));
  if (!loaded.ok) throw clusterFileError(loaded);
  const selected = selectClusters(loaded.file, opts.cluster);
  if (typeof selected === 'string') throw new CliError(selected, 2, { code: 'unknown-cluster', file: loaded.path });
  const cluster = pickCluster(selected);

  const sshPool = new SshPool({ hostKeyPolicy: { mode: opts.acceptNewHostKeys ? 'accept-new' : 'strict' }, secrets: new CliSecretProvider() });
  const sshConfigText = await readSshConfigText();
  const log = (line: string): void => { process.stderr.write(`pgpool-cluster: ${line}\n`); };
  const env = new ClusterOpsEnvironment(cluster, { sshPool, ...(sshConfigText !== undefined ? { sshConfigText } : {}), log });
  // With several pgpool nodes the status reads the watchdog over SSH: the leader is the one operations go through.
  const collector = new StatusCollector(cluster, { log, ...(cluster.pgpool.length > 1 ? { sshPool, ...(sshConfigText !== undefined ? { sshConfigText } : {}) } : {}) });
  let interrupts: Interrupts | undefined;
  try {
    if (!opts.dryRun) env.warmUp();
    const probes = startPlanProbes(kind, cluster, env);
    const status = await collector.refresh();
    mark('status');
    const built = await preparePlan(kind, cluster, status, env, node, {
      ...(opts.fence ? { fence: true } : {}), ...(opts.method ? { method: opts.method as RecoverMethod } : {}),
    }, undefined, probes);
    if (!built.ok) {
      if (opts.json) process.stdout.write(errorJson({ code: 'refused', message: built.reason }));
      else process.stderr.write(`pgpool-cluster: refused: ${built.reason}\n`);
      return 3;
    }
    const plan = built.plan;
    mark('plan');
    const pcp = await env.planPcpEndpoint();
    if (opts.dryRun) {
      process.stdout.write(opts.json ? `${JSON.stringify(planToJson(plan, pcp), null, 2)}\n` : renderPlan(plan, pcp));
      return 0;
    }
    if (!opts.json) process.stderr.write(renderPlan(plan, pcp));
    if (plan.destructive && !opts.yes) {
      if (!process.stdin.isTTY) {
        reportFailure(opts.json, 'not-confirmed', 'refused: this plan is destructive and there is no terminal to confirm on; re-run with --yes after reading it (--dry-run).');
        return 3;
      }
      const answer = await ask(`Type the node name "${plan.node}" to run this plan: `);
      if (answer !== plan.node) {
        reportFailure(opts.json, 'not-confirmed', 'not confirmed; nothing was changed.');
        return 3;
      }
    }
    const ints = installInterrupts((t) => process.stderr.write(t), pcp);
    interrupts = ints;
    mark('run');
    const outcome = await runOperation(plan, cluster, env, {
      via: 'cli', signal: ints.signal,
      onEvent: (e) => { ints.onEvent(e); const t = describeRunEvent(e); if (t) process.stderr.write(`${t}\n`); },
    });
    mark('done');
    process.stdout.write(opts.json ? `${JSON.stringify({ operation: plan.operation, node: plan.node, ...outcome, ...outcomeError(outcome), phases }, null, 2)}\n` : formatOutcome(plan, outcome));
    return outcome.ok ? 0 : outcome.cancelled ? 130 : 1;
  } catch (err) {
    if (err instanceof LockError) throw new CliError(err.message, 4);
    throw err;
  } finally {
    interrupts?.dispose();
    await collector.close();
    await env.close();
    await sshPool.close();
  }
}
