/** The one entry point the CLI and the editor share: build a plan from fresh status, run it under the lock, audit it. */
import type { ClusterDefinition, NodeDefinition } from '../../inventory/model';
import type { ClusterStatus } from '../../status/model';
import { buildAttachPlan, buildDetachPlan } from '../handover/attachDetach';
import { appendAudit, auditPath, auditRecord } from './audit';
import { applyDiscovery, NOTHING_DISCOVERED, type Discovered } from '../preflight/discovery';
import { pcpEndpoint, type OpsEnvironment } from './environment';
import type { OpsInput, OpsOptions } from './input';
import { listLeftoversArgv } from './pgCommands';
import { acquireLock, LockError, type LockOptions } from './lock';
import { acquireClusterLock, type ClusterLockOptions, type HeldClusterLock } from './clusterLock';
import type { OperationKind, Plan, PlanResult } from './plan';
import { buildPromotePlan } from '../handover/promote';
import { buildRecoverPlan, streamsAttached } from '../recover/recover';
import { fenceMarkedArgv } from '../handover/fenceHba';
import { buildFencePlan, probeFenceReach } from '../handover/fence';
import { probeRecoveryFacts } from '../recover/recoverFacts';
import { followPrimaryFenceFacts, type FailoverScriptFacts } from '../handover/pgpoolScriptFacts';
import { probePgpoolScripts } from '../handover/pgpoolScriptCache';
import { withPgpoolScriptsIdle } from '../preflight/pgpoolBusy';

export { probeRecoveryFacts };
import { runPlan, type RunEvent, type RunOutcome } from './runner';
import { buildSwitchoverPlan } from '../handover/switchover';

export const OPERATIONS: readonly OperationKind[] = ['promote', 'switchover', 'recover', 'attach', 'detach', 'fence'];

/** `node` is the resolved node (the one guard: the editor's nodeArgument.ts, the CLI's nodeArgument), one of `input.cluster.nodes`. */
export function buildPlan(kind: OperationKind, input: OpsInput, node: NodeDefinition): PlanResult {
  try {
    if (!input.cluster.nodes.includes(node)) throw new Error(`${node.name} is not a node of the cluster definition the plan was given (cluster ${input.cluster.name}).`);
    switch (kind) {
      case 'promote': return buildPromotePlan(input, node);
      case 'switchover': return buildSwitchoverPlan(input, node);
      case 'recover': return buildRecoverPlan(input, node);
      case 'attach': return buildAttachPlan(input, node);
      case 'detach': return buildDetachPlan(input, node);
      case 'fence': return buildFencePlan(input, node);
    }
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Facts a plan needs that do not depend on the status: start them with the status refresh, not after it. */
export interface PlanProbes {
  /** What the installed failover script does (clean-stop wait, target file); {} when unknown. */
  readonly failoverScript: Promise<FailoverScriptFacts>;
  /** pgpool's failover / follow_primary script paths (recover, promote, switchover wait while they run). */
  readonly pgpoolScripts?: Promise<string[]>;
  /** fence: pgpool's follow_primary script and whether it leaves fenced nodes alone. */
  readonly followPrimaryFence?: Promise<{ script: string; respects: boolean } | undefined>;
}

export function startPlanProbes(kind: OperationKind, cluster: ClusterDefinition, env: OpsEnvironment, signal?: AbortSignal): PlanProbes {
  // Discovery needs the status only for the PostgreSQL version and for nodes without a data directory: when the
  // cluster file gives both, it runs alongside the status refresh (ClusterOpsEnvironment keeps the one promise).
  // Plans take the last complete discovery on this machine when there is one (discoveryCache.ts).
  if (env.discover && cluster.postgresVersion && cluster.nodes.every((n) => n.dataDirectory)) void env.discover(undefined, signal, true).catch(() => undefined);
  // One probe (cached by the files' stamps, pgpoolScriptCache.ts) for the failover script's facts and the scripts' paths.
  const probe = kind === 'recover' || kind === 'promote' || kind === 'switchover' ? probePgpoolScripts(cluster, env, signal) : undefined;
  return {
    failoverScript: probe && kind !== 'recover' ? probe.then((p) => p.facts) : Promise.resolve({}),
    pgpoolScripts: probe ? probe.then((p) => p.scripts) : Promise.resolve([]),
    ...(kind === 'fence' ? { followPrimaryFence: followPrimaryFenceFacts(cluster, env, signal) } : {}),
  };
}

export async function preparePlan(
  kind: OperationKind, cluster: ClusterDefinition, status: ClusterStatus, env: OpsEnvironment, node: NodeDefinition, options: OpsOptions = {}, signal?: AbortSignal,
  probes: PlanProbes = startPlanProbes(kind, cluster, env, signal),
): Promise<PlanResult> {
  // With several pgpool nodes, pcp goes through the current leader (or the first that answers).
  const via = env.choosePgpool?.(status) ?? cluster.pgpool[0]?.name;
  // What the cluster file leaves out (program and data directories) comes from the hosts; the plan says so.
  const discovered = env.discover ? await env.discover(status, signal, true) : NOTHING_DISCOVERED;
  const known = applyDiscovery(cluster, discovered);
  const target = nodeIn(known, cluster, node);
  const facts = kind === 'recover' && !options.method ? await probeRecoveryFacts(known, status, env, target, signal) : undefined;
  const script = await probes.failoverScript;
  // A cache entry written before the facts carried the script's path: with a target file, failover_command is an absolute script, the first path.
  const pgpoolScripts = (await probes.pgpoolScripts) ?? [];
  const failoverScript = script.script ?? (script.targetFile ? pgpoolScripts[0] : undefined);
  const fenceReach = kind === 'fence'
    ? await probeFenceReach(env, target, status.nodes.find((n) => n.name === target.name)?.postgres.reachable === true, signal)
    : undefined;
  const followPrimaryFence = await probes.followPrimaryFence;
  const fenceMarked = kind === 'recover' && target.dataDirectory && streamsAttached({ cluster: known, status }, target)
    ? await probeFenceMarked(env, target, signal) : undefined;
  const built = withLeftovers(buildPlan(kind, {
    cluster: known, status, options, ...(facts ? { facts } : {}), ...(fenceReach ? { fenceReach } : {}),
    ...(followPrimaryFence ? { followPrimaryFence } : {}), ...(fenceMarked ? { fenceMarked } : {}),
    ...(script.waitsForCleanStop !== undefined ? { failoverWaitsForCleanStop: script.waitsForCleanStop } : {}),
    ...(script.targetFile ? { failoverTargetFile: script.targetFile } : {}),
    ...(failoverScript ? { failoverScript } : {}),
    ...(script.srCheck ? { pgpoolSrCheck: script.srCheck } : {}),
    ...(kind !== 'recover' && via !== undefined && via === cluster.pgpool[0]?.name ? { pgpoolScripts } : {}),
  }, target),
    kind === 'recover' ? await probeLeftovers(env, target, signal) : undefined);
  return withDiscovery(withPgpoolScriptsIdle(built, via, pgpoolScripts), discovered);
}

/** Whether the node's fence mark is there (false when it cannot be told: recover then refuses as before). */
async function probeFenceMarked(env: OpsEnvironment, node: NodeDefinition, signal?: AbortSignal): Promise<boolean> {
  try {
    return (await env.remote(node.name).exec(fenceMarkedArgv(node), { timeoutMs: 10_000, ...(signal ? { signal } : {}) })).code === 0;
  } catch {
    return false;
  }
}

/** What a killed postmaster left running on the node's data directory (read-only), for the plan's warnings. */
export async function probeLeftovers(env: OpsEnvironment, node: NodeDefinition, signal?: AbortSignal): Promise<string | undefined> {
  if (!node.dataDirectory) return undefined;
  try {
    const r = await env.remote(node.name).exec(listLeftoversArgv(node), { timeoutMs: 10_000, ...(signal ? { signal } : {}) });
    return r.code === 0 && r.stdout.trim() ? `${node.name}: ${r.stdout.trim()}; they are stopped before the node starts.` : undefined;
  } catch {
    return undefined;
  }
}

/** `node` of `cluster` as it is in `known`, the copy applyDiscovery made of `cluster` (same positions). */
export function nodeIn(known: ClusterDefinition, cluster: ClusterDefinition, node: NodeDefinition): NodeDefinition {
  const n = known.nodes[cluster.nodes.indexOf(node)];
  if (!n) throw new Error(`${node.name} is not a node of cluster ${cluster.name}.`);
  return n;
}

export function withLeftovers(built: PlanResult, leftovers: string | undefined): PlanResult {
  return built.ok && leftovers ? { ok: true, plan: { ...built.plan, warnings: [...built.plan.warnings, leftovers] } } : built;
}

/** Adds what discovery found (and what it could not find) to a plan (any result that carries one). */
export function withDiscovery<R extends PlanResult>(built: R, d: Discovered): R {
  if (!built.ok || (!d.notes.length && !d.missing.length)) return built;
  return { ...built, plan: { ...built.plan, discovered: d.notes, warnings: [...built.plan.warnings, ...d.missing] } };
}

export interface RunOperationOptions {
  /** "cli" or "vscode", for the audit record. */
  readonly via: string;
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: RunEvent) => void;
  readonly lock?: LockOptions;
  /** The lock on the pgpool host that other workstations see; `false` skips it (default: taken when the cluster has a pgpool). */
  readonly clusterLock?: ClusterLockOptions | false;
  readonly auditFile?: string;
  /**
   * Locks taken beforehand (takeOperationLocks, started with the status refresh so the run does not wait for
   * them); runOperation releases them. Their label must be the plan's "<operation> <node>".
   */
  readonly locks?: Promise<OperationLocks>;
}

/** The workstation's lock and the cluster lock on the pgpool host, held together. */
export interface OperationLocks {
  release(): Promise<void>;
}

/**
 * Takes this workstation's lock for `clusterName`, then the cluster lock on the pgpool host, for `label`
 * ("<operation> <node>"). Throws LockError when another operation holds either.
 */
export async function takeOperationLocks(clusterName: string, label: string, cluster: ClusterDefinition, env: OpsEnvironment, options: Omit<RunOperationOptions, 'via' | 'locks'> = {}): Promise<OperationLocks> {
  const lock = await acquireLock(clusterName, label, options.lock);
  let clusterLock: HeldClusterLock | undefined;
  try {
    clusterLock = await takeClusterLock(clusterName, label, cluster, env, options);
  } catch (err) {
    await lock.release();
    throw err;
  }
  return { release: async () => { await clusterLock?.release(); await lock.release(); } };
}

/**
 * The cluster lock on the pgpool host. Another workstation's live lock refuses the operation (LockError); a pgpool
 * host that cannot be reached only warns: the operation may be what brings the cluster back.
 */
async function takeClusterLock(clusterName: string, label: string, cluster: ClusterDefinition, env: OpsEnvironment, options: Omit<RunOperationOptions, 'via' | 'locks'>): Promise<HeldClusterLock | undefined> {
  const pgpool = cluster.pgpool[0];
  if (options.clusterLock === false || !pgpool) return undefined;
  try {
    return await acquireClusterLock(env.remote(pgpool.name), clusterName, label, { ...options.clusterLock, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (err) {
    if (err instanceof LockError) throw err;
    options.onEvent?.({ type: 'warning', message: `Could not take the cluster lock on ${pgpool.name} (${err instanceof Error ? err.message : String(err)}): other workstations will not see this operation.` });
    return undefined;
  }
}

/** Takes the cluster's lock, runs the plan, appends the audit record (also for failures), releases the lock. */
export async function runOperation(plan: Plan, cluster: ClusterDefinition, env: OpsEnvironment, options: RunOperationOptions): Promise<RunOutcome> {
  const locks = await (options.locks ?? takeOperationLocks(plan.cluster, `${plan.operation} ${plan.node}`, cluster, env, options));
  try {
    const outcome = await runPlan(plan, env, { ...(options.signal ? { signal: options.signal } : {}), ...(options.onEvent ? { onEvent: options.onEvent } : {}) });
    await appendAudit(auditRecord(plan, options.via, outcome, env.planPcpEndpoint ? await env.planPcpEndpoint() : pcpEndpoint(cluster, await env.pcpPlacement?.())), options.auditFile ?? auditPath()).catch((err: unknown) => {
      options.onEvent?.({ type: 'warning', message: `Could not write the audit record: ${err instanceof Error ? err.message : String(err)}` });
    });
    return outcome;
  } finally {
    await locks.release();
  }
}
