/**
 * Promote (failover to a chosen standby). Never two primaries: a primary that still answers is either
 * stopped first (`fence`) or the plan is refused. pgpool's failover script is told the chosen node (its target
 * file, failoverTarget.ts), or with older scripts the standbys pgpool's own failover could pick instead (numbered
 * below it) are detached before the old primary goes; the chosen node is promoted, then
 * pgpool is told; the other standbys are re-pointed and attached after.
 */
import { lsnDiff, formatBytes } from '../../db/lsn';
import type { NodeDefinition } from '../../inventory/model';
import { livePrimaries, nodeStatus, pgpoolPrimaryNode, resolveVersions, type OpsInput } from '../engine/input';
import { receivedSql, type Versions } from '../engine/pgCommands';
import { refuse, type Check, type PlanResult, type PlanStep } from '../engine/plan';
import {
  attachStep, checkpointStep, detachStep, isPrimary, noOtherPrimaryStep, pgpoolPrimary, pgpoolUp, promoteStep, repointSteps,
  srCheckIdleSteps, stopStep, streamsFrom,
} from '../engine/steps';
import { handoverSteps } from './failoverTarget';

export function onePrimary(node: NodeDefinition, waitMs = 0): Check {
  return { kind: 'one-primary', expected: node.name, waitMs, describe: `${node.name} is the only primary among the reachable nodes` };
}

export function captureReceivedStep(node: NodeDefinition, v: Versions, fact: string): PlanStep {
  return {
    id: `received-${node.name}`, title: `Record how much WAL ${node.name} received`,
    why: 'Compared with the old primary\'s last WAL position to report what the new primary never got.', destructive: false,
    action: { kind: 'sql', node: node.name, sql: receivedSql(v) }, capture: { fact, from: 'first-column' }, optional: true,
    onFailure: 'Only the lost-WAL report is affected.',
    // Read-only, like the "no other primary" check that follows it in promote and switchover.
    alongsideNext: true,
  };
}

/** Standbys other than `target` (and other than `old`), as defined in the cluster file. */
export function otherStandbys(input: OpsInput, target: NodeDefinition, old: NodeDefinition | undefined): NodeDefinition[] {
  return input.cluster.nodes.filter((n) => n !== target && n !== old && nodeStatus(input.status, n)?.postgres.role !== 'primary');
}

/** Standbys that are ahead of `target` (received more WAL), with the difference in bytes. */
export function standbysAhead(input: OpsInput, target: NodeDefinition): { node: NodeDefinition; bytes: number }[] {
  const t = nodeStatus(input.status, target)?.postgres;
  const pos = (p: typeof t): string | undefined => p?.receiveLsn ?? p?.replayLsn;
  const out: { node: NodeDefinition; bytes: number }[] = [];
  for (const n of input.cluster.nodes) {
    if (n === target) continue;
    const s = nodeStatus(input.status, n)?.postgres;
    if (!s?.reachable || s.role !== 'standby') continue;
    const d = lsnDiff(pos(s), pos(t));
    if (d !== undefined && d > 0) out.push({ node: n, bytes: d });
  }
  return out;
}

export function buildPromotePlan(input: OpsInput, target: NodeDefinition): PlanResult {
  const { cluster, status } = input;
  const v = resolveVersions(cluster, status);
  const ts = nodeStatus(status, target);
  if (!ts?.postgres.reachable) return refuse(`${target.name} does not answer (${ts?.postgres.error ?? 'no status'}); only a running standby can be promoted.`);
  if (ts.postgres.role === 'primary') return refuse(`${target.name} is already a primary.`);

  const live = livePrimaries(input).filter((n) => n !== target);
  if (live.length > 1) return refuse(`Several nodes already act as primary (${live.map((n) => n.name).join(', ')}): resolve that split brain first (recover the false primaries).`);
  const livePrimary = live[0];
  const fence = input.options?.fence === true;
  if (livePrimary && !fence) {
    return refuse(`${livePrimary.name} is reachable and still the primary: promoting ${target.name} now would give the cluster two primaries. `
      + `Use "switchover ${target.name}" (planned, no data loss) or promote with fencing (--fence) to stop ${livePrimary.name} first.`);
  }
  const old = livePrimary ?? pgpoolPrimaryNode(input);
  const warnings: string[] = [];
  for (const a of standbysAhead(input, target)) {
    warnings.push(`${a.node.name} has received ${formatBytes(a.bytes)} more WAL than ${target.name}; promoting ${target.name} loses that WAL on ${a.node.name} (it will need pg_rewind). Consider promoting ${a.node.name}.`);
  }
  if (livePrimary) {
    const lag = lsnDiff(nodeStatus(status, livePrimary)?.postgres.currentLsn, ts.postgres.receiveLsn ?? ts.postgres.replayLsn);
    if (lag !== undefined && lag > 0) warnings.push(`${target.name} was ${formatBytes(lag)} behind ${livePrimary.name} when the plan was made; a clean stop of ${livePrimary.name} usually lets it catch up.`);
  }
  const others = otherStandbys(input, target, old);
  // Only a fenced promote stops a primary cleanly; a dead one cannot be promoted over too early.
  const handover = handoverSteps(input, target, old, others, { safe: !livePrimary || input.failoverWaitsForCleanStop === true, scriptWaits: input.failoverWaitsForCleanStop },
    (o) => `So that pgpool's own failover cannot choose ${o.name} when ${old?.name ?? 'the primary'} goes away (pgpool names the lowest-numbered attached node); re-attached at the end.`);
  if (handover.warning) warnings.push(handover.warning);
  const reattach = handover.reattach;
  const steps: PlanStep[] = [...handover.steps];
  if (livePrimary) {
    steps.push(...srCheckIdleSteps(input, livePrimary));
    steps.push(stopStep(livePrimary, `Fencing: ${livePrimary.name} must stop accepting writes before ${target.name} becomes primary (never two primaries).`,
      `${livePrimary.name} may still be running as the primary; nothing was promoted.${reattach}`, 'fast', false));
  }
  steps.push(captureReceivedStep(target, v, 'targetReceived'));
  steps.push(noOtherPrimaryStep(target, cluster.nodes, `pgpool promoted another node itself; ${target.name} was not promoted. Check "pgpool-cluster status" and recover ${target.name} as a standby of that primary.`));
  // Promoted before pgpool is told: pgpool's failover for the old primary then finds a primary at once.
  steps.push(promoteStep(target, v, `${old ? `${old.name} is stopped or gone and ` : ''}${target.name} did not become primary: the cluster has no primary. `
    + `Check ${target.name}'s log, then re-run promote, or start ${old?.name ?? 'the old primary'} again.`));
  if (old) {
    steps.push(detachStep(old, `Tells pgpool that ${old.name} is gone now, instead of waiting for its health check.`));
  }
  steps.push({
    id: 'pgpool-sees-primary', title: `Wait until pgpool routes writes to ${target.name}`,
    why: 'pgpool finds the new primary after the failover it ran for the detached node.', destructive: false,
    action: { kind: 'wait' }, check: pgpoolPrimary(target.id, 30_000),
    onFailure: `${target.name} is the primary but pgpool does not use it yet. Run pcp_promote_node -n ${target.id} on the pgpool host, or restart pgpool.`,
  });
  // The stopped old primary's last checkpoint (for the lost-WAL report) does not change: read once writes flow again.
  if (livePrimary) steps.push({ ...checkpointStep(livePrimary, 'oldPrimaryEnd'), optional: true });
  for (const o of others) {
    if (!nodeStatus(status, o)?.postgres.reachable) {
      warnings.push(`${o.name} does not answer; it is left as it is. Recover it afterwards.`);
      continue;
    }
    steps.push(...repointSteps(cluster, o, target, v));
    steps.push(attachStep(o));
  }
  const verify: Check[] = [onePrimary(target, 5_000), isPrimary(target), pgpoolPrimary(target.id, 10_000)];
  for (const o of others) if (nodeStatus(status, o)?.postgres.reachable) verify.push(streamsFrom(o, target, 10_000), pgpoolUp(o.id, 10_000));
  return {
    ok: true,
    plan: {
      operation: 'promote', cluster: cluster.name, node: target.name, destructive: true, versions: v, warnings, steps, verify,
      summary: `Make ${target.name} the primary${livePrimary ? `, after stopping ${livePrimary.name} (fencing)` : ''}. `
        + `${old ? `${old.name} stays stopped and detached: bring it back with "recover ${old.name}".` : ''}`,
      ...(livePrimary ? { lostWal: { oldEndFact: 'oldPrimaryEnd', receivedFact: 'targetReceived' } } : {}),
    },
  };
}
