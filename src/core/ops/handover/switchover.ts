/**
 * Switchover (planned, zero loss): the target is caught up, the primary stops cleanly (its walsenders wait
 * until standbys flushed the shutdown checkpoint), the target is seen to have replayed past that checkpoint,
 * then it is promoted, pgpool is told, and the old primary follows it as a standby. Everything after pgpool
 * sees the new primary (re-pointing, attaching) happens while clients already write.
 */
import type { NodeDefinition } from '../../inventory/model';
import { currentPrimary, nodeStatus, resolveVersions, type OpsInput } from '../engine/input';
import { pgAtLeast, positionSql, walNames, type Versions } from '../engine/pgCommands';
import { refuse, type Check, type PlanResult, type PlanStep, type Undo } from '../engine/plan';
import { captureReceivedStep, onePrimary, otherStandbys } from './promote';
import {
  attachStep, checkpointStep, detachStep, isPrimary, isStandby, noOtherPrimaryStep, pgpoolPrimary, pgpoolUp, promoteStep, repointSteps,
  srCheckIdleSteps, standbyConfigSteps, startStep, stopStep, streamsFrom,
} from '../engine/steps';
import { failoverIdleStep, guardTargetStep, handoverSteps, removeTargetStep } from './failoverTarget';
import { pgpoolOf } from '../engine/environment';

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
  const undo = switchoverUndo(input, old, target, handover.targetFile);
  // Without an undo (no target file to guard with) pgpool's failover may still promote the target: say so.
  const byHand = undo ? '' : ` Do not start ${old.name} while pgpool's failover may still promote ${target.name}: run "pgpool-cluster status" first; `
    + `if ${target.name} (or another node) is the primary, "pgpool-cluster recover ${old.name}"; if no node is, start ${old.name} (pg_ctl start) and "pgpool-cluster attach ${old.name}".${reattach}`;
  const withUndo = (step: PlanStep): PlanStep => (undo ? { ...step, undo } : step);
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
  steps.push(...srCheckIdleSteps(input, old));
  steps.push(stopStep(old, `A clean (fast) stop writes a shutdown checkpoint and waits until the standbys have flushed it: nothing acknowledged is left behind.`,
    `${old.name} may still be running as the primary, or still stopping: once it has stopped, pgpool's failover promotes ${handover.targetFile ? `${target.name} (the target file names it)` : 'a standby'}. `
    + `Nothing was promoted yet; run "pgpool-cluster status" before anything else.${reattach}`, 'fast', false));
  const checkpoint = checkpointStep(old, 'oldCheckpoint');
  steps.push(withUndo({ ...checkpoint, onFailure: `pg_controldata could not be read on ${old.name}; it is stopped and ${target.name} was not promoted.${byHand}` }));
  steps.push(withUndo({
    id: `replayed-${target.name}`, title: `Verify ${target.name} replayed ${old.name}'s shutdown checkpoint`,
    why: 'Promoting before that point would lose the last transactions.', destructive: false, action: { kind: 'wait' },
    check: { kind: 'replayed-past', node: target.name, sql: positionSql(v), fact: 'oldCheckpoint', waitMs: 30_000, describe: `${target.name} has replayed past the "Latest checkpoint location" of ${old.name}` },
    onFailure: `${old.name} is stopped and ${target.name} has not replayed all of its WAL, so it was not promoted.${byHand}`,
  }));
  steps.push(withUndo(captureReceivedStep(target, v, 'targetReceived')));
  steps.push(withUndo(noOtherPrimaryStep(target, cluster.nodes, `${old.name} is stopped and another node became a primary (pgpool's failover?); ${target.name} was not promoted. Check "pgpool-cluster status"; recover ${old.name} and ${target.name} as standbys of that primary.`)));
  // Promoted before pgpool is told: pgpool's failover for the old primary then finds a primary at once. No undo
  // past this point: a promotion that timed out may still finish.
  steps.push(promoteStep(target, v, `${old.name} is stopped and ${target.name} did not become primary in time; its promotion may still finish, so nothing was undone. `
    + `Run "pgpool-cluster status": if ${target.name} is the primary, re-run the switchover (it continues) or "pgpool-cluster recover ${old.name}"; if no node is, start ${old.name} (pg_ctl start) and "pgpool-cluster attach ${old.name}".`));
  steps.push(detachStep(old, `Tells pgpool now that ${old.name} is no longer the primary, instead of waiting for its health check.`));
  const notUsed = `${target.name} is the primary but pgpool does not route writes to it. Run "pgpool-cluster attach ${target.name}" (pcp_attach_node -n ${target.id}) if pgpool lists it down, else pcp_promote_node -n ${target.id} on the pgpool host.`;
  steps.push({
    id: 'pgpool-sees-primary', title: `Wait until pgpool routes writes to ${target.name}`, why: 'Clients write through pgpool.', destructive: false,
    action: { kind: 'wait' }, check: pgpoolPrimary(target.id, 30_000),
    // On a loaded host a health check can time out on the target while it is promoted: pgpool then detaches the
    // new primary right after failing over to it and is left without one until it is attached again.
    retry: { ...attachStep(target, `pgpool detached ${target.name} (a health check that timed out while it was promoted); attaching it makes pgpool find it as the primary.`), skipIf: { ...pgpoolPrimary(target.id, 0), describe: `pgpool sees node ${target.id} as the primary` }, check: pgpoolPrimary(target.id, 30_000), onFailure: notUsed },
    onFailure: notUsed,
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

/**
 * Putting the old primary back when the switchover fails after stopping it and before promoting the target.
 * Only with a failover target file: it is first rewritten to name the old primary, so pgpool's failover (which
 * promotes the file's node) can no longer promote another one; then the undo waits until no failover script runs
 * and checks that no node is a primary before starting the old primary again. Without that file nothing stops
 * pgpool's failover from promoting the target a moment later, so there is no undo and the message says what to run.
 */
export function switchoverUndo(input: OpsInput, old: NodeDefinition, target: NodeDefinition, targetFile: string | undefined): Undo | undefined {
  if (!targetFile || !input.failoverScript) return undefined;
  const pgpool = pgpoolOf(input.cluster).name;
  const others = input.cluster.nodes.filter((n) => n !== old);
  const stays = (why: string): string => `${old.name} stays stopped: ${why}`;
  return {
    steps: [
      guardTargetStep(pgpool, targetFile, old, target),
      failoverIdleStep(pgpool, input.failoverScript, old, target),
      // Each other node must answer as a standby: one that does not answer might be a primary.
      ...others.map((n): PlanStep => ({
        id: `undo-standby-${n.name}`, title: `Check that ${n.name} is a standby`,
        why: `Starting ${old.name} as the primary while another node is one, or might be (it does not answer), would make two primaries.`, destructive: false, action: { kind: 'wait' },
        check: { ...isStandby(n, 10_000), describe: `${n.name} answers and is in recovery (a standby)` },
        onFailure: stays(`${n.name} is a primary or does not answer. Run "pgpool-cluster status": if ${n.name} (or another node) is the primary, "pgpool-cluster recover ${old.name}" makes ${old.name} its standby; `
          + `if no node is, start ${old.name} (pg_ctl start) and "pgpool-cluster attach ${old.name}".`),
      })),
      {
        ...startStep(old, stays(`it did not start (its log is shown above); no node is a primary. Fix the cause, start it (pg_ctl start), then "pgpool-cluster attach ${old.name}".`)),
        id: `restart-${old.name}`, title: `Start PostgreSQL on ${old.name} again, as the primary`,
        why: `Its data directory is as the clean stop left it (no standby configuration was written): it comes back as the primary with every acknowledged write.`,
        check: isPrimary(old, 30_000),
      },
      {
        ...attachStep(old, `pgpool marked ${old.name} down when it stopped; attaching it makes pgpool route writes to it again.`),
        onFailure: `${old.name} is the primary again but pgpool does not use it. Run "pgpool-cluster attach ${old.name}" (pcp_attach_node -n ${old.id}).`,
      },
      {
        id: 'undo-pgpool-sees-primary', title: `Wait until pgpool routes writes to ${old.name}`, why: 'Clients write through pgpool.', destructive: false,
        action: { kind: 'wait' }, check: pgpoolPrimary(old.id, 30_000),
        onFailure: `${old.name} is the primary again but pgpool does not see it as the primary yet. Run pcp_promote_node -n ${old.id} on the pgpool host if it stays so.`,
      },
      removeTargetStep(pgpool, targetFile),
    ],
    done: `${old.name} runs again as the primary and pgpool routes writes to it; ${target.name} was not promoted and is still a standby. Fix what stopped the switchover (above), then re-run it.`,
  };
}
