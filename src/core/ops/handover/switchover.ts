/**
 * Switchover (planned, zero loss): the target is caught up, the primary stops cleanly (its walsenders wait
 * until standbys flushed the shutdown checkpoint), the target is seen to have replayed past that checkpoint,
 * then it is promoted, pgpool is told, and the old primary follows it as a standby. Everything after pgpool
 * sees the new primary (re-pointing, attaching) happens while clients already write.
 */
import type { NodeDefinition } from '../../inventory/model';
import { currentPrimary, nodeStatus, resolveVersions, type OpsInput } from '../engine/input';
import { pgAtLeast, positionSql, walNames, type Versions } from '../engine/pgCommands';
import { refuse, type Check, type PlanResult, type PlanStep } from '../engine/plan';
import { captureReceivedStep, onePrimary, otherStandbys } from './promote';
import {
  attachStep, checkpointStep, detachStep, isPrimary, noOtherPrimaryStep, pgpoolPrimary, pgpoolUp, promoteStep, repointSteps,
  standbyConfigSteps, startStep, stopStep, streamsFrom,
} from '../engine/steps';
import { handoverSteps } from './failoverTarget';

const DEFAULT_MAX_LAG = 16 * 1024 * 1024;

export function caughtUpCheck(primary: NodeDefinition, target: NodeDefinition, v: Versions, maxLagBytes: number): Check {
  const w = walNames(v);
  const diff = pgAtLeast(v, '10') ? 'pg_wal_lsn_diff' : 'pg_xlog_location_diff';
  return {
    kind: 'sql-true', node: primary.name, waitMs: 30_000,
    sql: `SELECT COALESCE((SELECT ${diff}(${w.currentLsn}, ${w.replayCol}) <= $2::numeric FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming' LIMIT 1), false) AS ok`,
    params: [target.name, String(maxLagBytes)],
    describe: `${target.name} streams from ${primary.name} and has replayed to within ${maxLagBytes} bytes of it`,
  };
}

export function buildSwitchoverPlan(input: OpsInput, target: NodeDefinition): PlanResult {
  const { cluster, status } = input;
  const v = resolveVersions(cluster, status);
  const ts = nodeStatus(status, target);
  if (!ts?.postgres.reachable) return refuse(`${target.name} does not answer (${ts?.postgres.error ?? 'no status'}); a switchover needs a running, caught-up standby.`);
  if (ts.postgres.role === 'primary') return refuse(`${target.name} is already a primary.`);
  const old = currentPrimary(input);
  if (!old) return refuse(`No running primary: a switchover needs one. Use "promote ${target.name}" (failover) instead.`);
  const maxLag = input.options?.maxLagBytes ?? DEFAULT_MAX_LAG;
  const warnings: string[] = [];
  if (ts.postgres.walReceiverStatus !== undefined && ts.postgres.walReceiverStatus !== 'streaming') {
    warnings.push(`${target.name}'s WAL receiver is "${ts.postgres.walReceiverStatus}", not streaming; the first step waits for it.`);
  }
  const others = otherStandbys(input, target, old);
  const handover = handoverSteps(input, target, old, others, { safe: input.failoverWaitsForCleanStop === true, scriptWaits: input.failoverWaitsForCleanStop },
    (o) => `So that pgpool's failover, when ${old.name} stops, cannot choose ${o.name} (pgpool names the lowest-numbered attached node); re-attached at the end.`);
  if (handover.warning) warnings.push(handover.warning);
  const reattach = handover.reattach;
  const undo = `Start ${old.name} again (pg_ctl start) and it stays the primary; nothing was promoted.${reattach}`;
  // The check runs alongside the hand-over's first step when that one only checks too (pgpool uses the target).
  const firstHandover = handover.steps[0];
  const alongside = firstHandover?.action.kind === 'wait' && !firstHandover.destructive;
  const steps: PlanStep[] = [{
    id: 'caught-up', title: `Check that ${target.name} is caught up with ${old.name}`,
    why: 'A lagging standby would make the primary\'s clean stop wait, and writes would stay refused longer.', destructive: false,
    action: { kind: 'wait' }, check: caughtUpCheck(old, target, v, maxLag),
    onFailure: `Nothing changed. ${target.name} is not streaming or lags behind ${old.name}; wait, or check its replication.`,
    ...(alongside ? { alongsideNext: true } : {}),
  }];
  steps.push(...handover.steps);
  steps.push(stopStep(old, `A clean (fast) stop writes a shutdown checkpoint and waits until the standbys have flushed it: nothing acknowledged is left behind.`,
    `${old.name} may still be running as the primary; nothing was promoted.${reattach}`, 'fast', false));
  steps.push(checkpointStep(old, 'oldCheckpoint'));
  steps.push({
    id: `replayed-${target.name}`, title: `Verify ${target.name} replayed ${old.name}'s shutdown checkpoint`,
    why: 'Promoting before that point would lose the last transactions.', destructive: false, action: { kind: 'wait' },
    check: { kind: 'replayed-past', node: target.name, sql: positionSql(v), fact: 'oldCheckpoint', waitMs: 30_000, describe: `${target.name} has replayed past the "Latest checkpoint location" of ${old.name}` },
    onFailure: `${old.name} is stopped and ${target.name} has not received all of its WAL, so it was not promoted. ${undo}`,
  });
  steps.push(captureReceivedStep(target, v, 'targetReceived'));
  steps.push(noOtherPrimaryStep(target, cluster.nodes, `${old.name} is stopped and pgpool promoted another node itself; ${target.name} was not promoted. Check "pgpool-cluster status"; recover ${old.name} and ${target.name} as standbys of that primary.`));
  // Promoted before pgpool is told: pgpool's failover for the old primary then finds a primary at once.
  steps.push(promoteStep(target, v, `${old.name} is stopped and ${target.name} did not become primary: no primary. Start ${old.name} again (pg_ctl start) or re-run.`));
  steps.push(detachStep(old, `Tells pgpool now that ${old.name} is no longer the primary, instead of waiting for its health check.`));
  steps.push({
    id: 'pgpool-sees-primary', title: `Wait until pgpool routes writes to ${target.name}`, why: 'Clients write through pgpool.', destructive: false,
    action: { kind: 'wait' }, check: pgpoolPrimary(target.id, 30_000),
    onFailure: `${target.name} is the primary but pgpool does not use it yet. Run pcp_promote_node -n ${target.id} on the pgpool host.`,
  });
  const notStandby = `${old.name} is stopped; ${target.name} is the primary. Bring ${old.name} back with "pgpool-cluster recover ${old.name}".`;
  steps.push(...standbyConfigSteps(cluster, old, target, v).map((s) => ({ ...s, onFailure: notStandby })));
  steps.push({ ...startStep(old, notStandby), why: `${old.name} stopped cleanly at a checkpoint ${target.name} has, so it can follow the new timeline without pg_rewind.` });
  steps.push({
    id: `streaming-${old.name}`, title: `Wait until ${old.name} streams from ${target.name}`, why: 'A standby that does not stream would fall behind silently.',
    destructive: false, action: { kind: 'wait' }, check: streamsFrom(old, target),
    onFailure: `${old.name} runs but does not stream from ${target.name}. Recover it: "pgpool-cluster recover ${old.name} --method rewind".`,
  });
  steps.push(attachStep(old));
  for (const o of others) {
    if (!nodeStatus(status, o)?.postgres.reachable) {
      warnings.push(`${o.name} does not answer; it is left as it is. Recover it afterwards.`);
      continue;
    }
    steps.push(...repointSteps(cluster, o, target, v), attachStep(o));
  }
  const verify: Check[] = [onePrimary(target, 5_000), isPrimary(target), pgpoolPrimary(target.id, 10_000), streamsFrom(old, target, 10_000), pgpoolUp(old.id, 10_000)];
  for (const o of others) if (nodeStatus(status, o)?.postgres.reachable) verify.push(streamsFrom(o, target, 10_000), pgpoolUp(o.id, 10_000));
  return {
    ok: true,
    plan: {
      operation: 'switchover', cluster: cluster.name, node: target.name, destructive: true, versions: v, warnings, steps, verify,
      summary: `Planned switchover: ${target.name} becomes the primary and ${old.name} a standby of it, with no acknowledged write lost. Writes through pgpool pause for about a second.`,
      lostWal: { oldEndFact: 'oldCheckpoint', receivedFact: 'targetReceived' },
    },
  };
}
