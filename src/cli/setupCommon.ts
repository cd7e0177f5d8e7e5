/** What the setup subcommands (configure-pgpool, setup-replication, setup-ssh-trust, check) share. */
import type { Command } from 'commander';
import type { ClusterDefinition, NodeDefinition } from '../core/inventory/model';
import { findNode } from '../core/ops/engine/input';
import { describeRunEvent } from '../core/ops/engine/runEventText';
import { ask } from './terminal';
import { loadClusterFile, resolveClusterFilePath, selectClusters } from '../core/inventory/load';
import { ClusterOpsEnvironment } from '../core/ops/engine/environment';
import { LockError } from '../core/ops/engine/lock';
import { runOperation, type OperationLocks } from '../core/ops/engine/operation';
import { planToJson, renderPlan, type Plan, type PlanResult } from '../core/ops/engine/plan';
import type { RunOutcome } from '../core/ops/engine/runner';
import { readSshConfigText } from '../core/remote/sshConfigFile';
import { SshPool } from '../core/remote/sshPool';
import { StatusCollector } from '../core/status/collector';
import type { ClusterStatus } from '../core/status/model';
import { CliError, clusterFileError, errorJson, outcomeError, reportFailure } from './errors';
import { CliSecretProvider } from './secrets';
import { installInterrupts } from './interrupt';

export interface SetupCliOptions {
  cluster?: string;
  file?: string;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  acceptNewHostKeys?: boolean;
}

export interface SetupSession {
  readonly cluster: ClusterDefinition;
  readonly env: ClusterOpsEnvironment;
  readonly secrets: CliSecretProvider;
  status(): Promise<ClusterStatus>;
  close(): Promise<void>;
}

export async function openSession(opts: SetupCliOptions): Promise<SetupSession> {
  const loaded = await loadClusterFile(resolveClusterFilePath(opts.file));
  if (!loaded.ok) throw clusterFileError(loaded);
  const selected = selectClusters(loaded.file, opts.cluster);
  if (typeof selected === 'string') throw new CliError(selected, 2, { code: 'unknown-cluster', file: loaded.path });
  const cluster = selected[0];
  if (selected.length !== 1 || !cluster) {
    throw new CliError(`The file defines ${selected.length} clusters (${selected.map((c) => c.name).join(', ')}); choose one with --cluster.`, 2);
  }
  const secrets = new CliSecretProvider();
  const sshPool = new SshPool({ hostKeyPolicy: { mode: opts.acceptNewHostKeys ? 'accept-new' : 'strict' }, secrets });
  const sshConfigText = await readSshConfigText();
  const log = (line: string): void => { process.stderr.write(`pgpool-cluster: ${line}\n`); };
  const env = new ClusterOpsEnvironment(cluster, { sshPool, ...(sshConfigText !== undefined ? { sshConfigText } : {}), log });
  // Several pgpool nodes: the status reads the watchdog (leader, VIP) over SSH.
  // A plan needs each backend's status and role from pgpool, not the columns SHOW pool_nodes connects to every backend for.
  const collector = new StatusCollector(cluster, { log, quickPgpoolView: true, ...(cluster.pgpool.length > 1 ? { sshPool, ...(sshConfigText !== undefined ? { sshConfigText } : {}) } : {}) });
  return {
    cluster, env, secrets,
    status: () => collector.refresh(),
    close: async () => { await collector.close(); await env.close(); await sshPool.close(); },
  };
}


/**
 * Shows the plan, confirms, then runs it under the cluster's lock with the audit record. `expected` is what the user
 * types (the node name for destructive plans, "yes" otherwise); undefined runs without asking. Returns the exit code.
 */
/** Locks a command started taking before its plan was built (--yes: nothing to confirm); `handedOver` once runOperation owns them. */
export interface EarlyLocks {
  readonly locks: Promise<OperationLocks>;
  handedOver?: boolean;
}

export async function confirmAndRun(session: SetupSession, plan: Plan, opts: SetupCliOptions, expected: string | undefined, extra = '', phases?: Record<string, number>, early?: EarlyLocks): Promise<number> {
  const pcp = await session.env.planPcpEndpoint();
  if (!opts.json) process.stderr.write(renderPlan(plan, pcp));
  if (!opts.yes && expected !== undefined) {
    if (!process.stdin.isTTY) {
      reportFailure(opts.json, 'not-confirmed', `refused: ${plan.destructive ? 'this plan is destructive and ' : ''}there is no terminal to confirm on; re-run with --yes after reading the plan (--dry-run).`);
      return 3;
    }
    if ((await ask(`${extra}Type ${expected === plan.node ? 'the node name ' : ''}"${expected}" to run this plan: `)) !== expected) {
      reportFailure(opts.json, 'not-confirmed', 'not confirmed; nothing was changed.');
      return 3;
    }
  }
  const ints = installInterrupts((t) => process.stderr.write(t), pcp);
  const mark = (name: string): void => { if (phases) phases[name] = Math.round(performance.now()); };
  try {
    mark('run');
    if (early) early.handedOver = true;
    const outcome = await runOperation(plan, session.cluster, session.env, {
      via: 'cli', signal: ints.signal, ...(early ? { locks: early.locks } : {}),
      onEvent: (e) => { ints.onEvent(e); const t = describeRunEvent(e); if (t) process.stderr.write(`${t}\n`); },
    });
    mark('done');
    process.stdout.write(opts.json
      ? `${JSON.stringify({ operation: plan.operation, node: plan.node, ...outcome, ...outcomeError(outcome), ...(phases ? { phases } : {}) }, null, 2)}\n`
      : formatOutcome(plan, outcome));
    return outcome.ok ? 0 : outcome.cancelled ? 130 : 1;
  } catch (err) {
    if (err instanceof LockError) throw new CliError(err.message, 4);
    throw err;
  } finally {
    ints.dispose();
  }
}

function formatOutcome(plan: Plan, o: RunOutcome): string {
  const lines = [o.message, `duration: ${o.durationMs} ms`];
  if (o.lostWalBytes !== undefined) lines.push(`WAL the old primary had that ${plan.node} never received: ${o.lostWalBytes} bytes`);
  return `${lines.join('\n')}\n`;
}

/** The end of every plan command: a refusal (exit 3), the plan for --dry-run, or confirm and run it. */
export async function refuseShowOrRun(s: SetupSession, built: PlanResult, opts: SetupCliOptions, expected: string | undefined, phases?: Record<string, number>, early?: EarlyLocks): Promise<number> {
  if (!built.ok) {
    if (opts.json) process.stdout.write(errorJson({ code: 'refused', message: built.reason }));
    else process.stderr.write(`pgpool-cluster: refused: ${built.reason}\n`);
    return 3;
  }
  if (opts.dryRun) {
    const pcp = await s.env.planPcpEndpoint();
    process.stdout.write(opts.json ? `${JSON.stringify(planToJson(built.plan, pcp), null, 2)}\n` : renderPlan(built.plan, pcp));
    return 0;
  }
  return confirmAndRun(s, built.plan, opts, expected, '', phases, early);
}

/** The CLI's one guard for a NODE argument: the node by name (or pgpool node id), else a usage error naming the nodes. */
export function nodeArgument(cluster: ClusterDefinition, name: string): NodeDefinition {
  const node = findNode(cluster, name);
  if (!node) throw new CliError(`Cluster ${cluster.name} has no node "${name}" (nodes: ${cluster.nodes.map((n) => n.name).join(', ')}).`, 2);
  return node;
}

/** The options every command working on one cluster of a cluster file takes: -c, -f, --accept-new-host-keys. */
export function clusterOptions(cmd: Command): Command {
  return cmd
    .option('-c, --cluster <name>', 'the cluster (needed when the file has several)')
    .option('-f, --file <path>', 'cluster file (default: $PGPOOL_CLUSTER_FILE, else ./pgpool-cluster.yaml)')
    .option('--accept-new-host-keys', 'remember unknown SSH host keys instead of refusing them');
}

/** The options of a command that runs a plan: --dry-run, -y, --json. */
export function planOptions(cmd: Command, yes = 'do not ask before running', dryRun = 'print the plan and change nothing'): Command {
  return cmd
    .option('--dry-run', dryRun)
    .option('-y, --yes', yes)
    .option('--json', 'machine-readable plan (with --dry-run) or outcome');
}
