/** Step builders shared by the operations; each step says what it runs, why, and how it is checked. */
import * as path from 'node:path';
import type { ClusterDefinition, NodeDefinition } from '../../inventory/model';
import type { Check, PlanStep } from './plan';
import type { OpsInput } from './input';
import {
  IN_RECOVERY_SQL, NOT_IN_RECOVERY_SQL, STREAMING_TO_SQL, bin, confLinesArgv, confLiteral, controldataArgv, dataDir, nodePassFile,
  pgAtLeast, pgCtl, replicationConninfo, sqlLiteral, standbyConfigArgv, startShowingLogArgv, stopLeftoversArgv, withNodePassFile, type Versions,
} from './pgCommands';
import { timestampSuffix } from './timestamp';

export const WAIT_STREAMING_MS = 30_000;
export const WAIT_PGPOOL_MS = 20_000;

export function pgpoolUp(id: number, waitMs = WAIT_PGPOOL_MS, viaSql = false): Check {
  return { kind: 'pgpool-node', id, status: ['up', 'waiting'], waitMs, describe: `pgpool lists node ${id} as up`, ...(viaSql ? { viaSql } : {}) };
}

export function pgpoolDown(id: number, waitMs = 0): Check {
  return { kind: 'pgpool-node', id, status: ['down'], waitMs, describe: `pgpool lists node ${id} as down` };
}

export function pgpoolPrimary(id: number, waitMs = WAIT_PGPOOL_MS): Check {
  return { kind: 'pgpool-node', id, role: 'primary', status: ['up', 'waiting'], waitMs, describe: `pgpool sees node ${id} as the primary` };
}

export function notRunning(node: NodeDefinition): Check {
  return { kind: 'ssh-exit', host: node.name, argv: pgCtl.status(node), exitCodes: [3, 4], describe: `PostgreSQL on ${node.name} is not running` };
}

export function isPrimary(node: NodeDefinition, waitMs = 0): Check {
  return { kind: 'sql-true', node: node.name, sql: NOT_IN_RECOVERY_SQL, waitMs, describe: `${node.name} is out of recovery (a primary)` };
}

export function isStandby(node: NodeDefinition, waitMs = 0): Check {
  return { kind: 'sql-true', node: node.name, sql: IN_RECOVERY_SQL, waitMs, describe: `${node.name} is in recovery (a standby)` };
}

export function streamsFrom(standby: NodeDefinition, primary: NodeDefinition, waitMs = WAIT_STREAMING_MS): Check {
  return { kind: 'sql-true', node: primary.name, sql: STREAMING_TO_SQL, params: [standby.name], waitMs, describe: `${primary.name} streams WAL to ${standby.name}` };
}

export function attachStep(node: NodeDefinition, why = 'pgpool sends it queries again only once it is attached.'): PlanStep {
  return {
    id: `attach-${node.name}`, title: `Attach ${node.name} (node ${node.id}) in pgpool`, why, destructive: false,
    action: { kind: 'pcp', tool: 'pcp_attach_node', args: ['-n', String(node.id)] },
    skipIf: { ...pgpoolUp(node.id, 0), describe: `pgpool already lists node ${node.id} as up` },
    check: pgpoolUp(node.id), tolerateFailureIfCheckPasses: true,
    onFailure: `${node.name} runs but pgpool does not use it. Run pcp_attach_node -n ${node.id} (or "pgpool-cluster attach ${node.name}").`,
  };
}

export function detachStep(node: NodeDefinition, why: string, destructive = false): PlanStep {
  return {
    id: `detach-${node.name}`, title: `Detach ${node.name} (node ${node.id}) from pgpool`, why, destructive,
    action: { kind: 'pcp', tool: 'pcp_detach_node', args: ['-n', String(node.id)] },
    skipIf: { ...pgpoolDown(node.id), describe: `pgpool already lists node ${node.id} as down` },
    check: pgpoolDown(node.id, 10_000), tolerateFailureIfCheckPasses: true,
    onFailure: `pgpool still uses ${node.name}; nothing else changed. Check pcp (pcp_node_info -n ${node.id}).`,
  };
}

/**
 * `probeFirst: false` saves the status round trip before the stop where every millisecond counts (the
 * primary in a switchover). Either way a failed pg_ctl stop is tolerated once the check agrees the server is
 * down: it may die between the probe and the stop ("could not send stop signal ... No such process"), and a
 * killed postmaster stays a zombie until reaped, so the check waits a little.
 */
export function stopStep(node: NodeDefinition, why: string, onFailure: string, mode: 'fast' | 'immediate' = 'fast', probeFirst = true): PlanStep {
  return {
    id: `stop-${node.name}`, title: `Stop PostgreSQL on ${node.name} (${mode})`, why, destructive: true,
    action: { kind: 'ssh', host: node.name, argv: pgCtl.stop(node, mode), timeoutMs: 90_000 },
    ...(probeFirst ? { skipIf: notRunning(node) } : {}), tolerateFailureIfCheckPasses: true,
    check: { ...notRunning(node), waitMs: 10_000 }, onFailure,
  };
}

/** How long a primary's stop waits for pgpool's streaming-replication check to leave it before it goes on anyway. */
export const SR_CHECK_IDLE_WAIT_MS = 2000;

/**
 * Right before a primary's clean stop: waits until pgpool's streaming-replication check has no session on it.
 * pgpool (4.2 to 4.7) runs that check holding its follow-primary lock, and a check whose session the stop ends
 * sleeps sr_check_period seconds before it exits and lets the lock go; pgpool's failover waits for that lock before
 * it finds the new primary, so writes would stay refused for up to sr_check_period. The check lasts milliseconds;
 * the stop follows at once. None when pgpool.conf was not read, or the check connects as our own user (its sessions
 * cannot be told apart).
 */
export function srCheckIdleSteps(input: OpsInput, node: NodeDefinition): PlanStep[] {
  const sr = input.pgpoolSrCheck;
  if (!sr || sr.user === (input.cluster.database.user ?? 'postgres')) return [];
  return [{
    id: `sr-check-idle-${node.name}`, title: `Wait until pgpool's replication check is not connected to ${node.name}`,
    why: `pgpool's streaming-replication check (sr_check_user ${sr.user}, every ${sr.periodS} s) holds pgpool's follow-primary lock while it queries the nodes. A stop that ends its session mid-check makes it sleep ${sr.periodS} s (sr_check_period) with that lock held, and pgpool's failover waits for the lock before it routes writes to the new primary. The check takes milliseconds; the stop follows at once. After ${SR_CHECK_IDLE_WAIT_MS / 1000} s the stop goes on anyway.`,
    destructive: false, action: { kind: 'wait' },
    check: {
      kind: 'sql-true', node: node.name, params: [sr.user], waitMs: SR_CHECK_IDLE_WAIT_MS, describe: `pgpool's replication check (${sr.user}) has no session on ${node.name}`,
      // pgpool opens the check's sessions for one check and closes them: an older session of that role is another
      // client's (a monitoring tool logged in as it), which would only make every stop wait out the bound.
      sql: "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid() AND backend_start > now() - interval '10 seconds')",
    },
    optional: true, warmSql: true,
    onFailure: `a session of ${sr.user} (pgpool's replication check, or another client logged in as that role) was still on ${node.name}; the stop goes on, and pgpool's failover may wait up to ${sr.periodS} s (sr_check_period) before it routes writes to the new primary.`,
  }];
}

/** Stops what a killed postmaster left on the data directory; refuses when a postmaster runs there again. */
export function leftoversStep(node: NodeDefinition): PlanStep {
  return {
    id: `leftovers-${node.name}`, title: `Stop processes a dead server left on ${node.name}'s data directory`, destructive: true,
    why: 'After a kill -9 of the postmaster alone its children can keep running and hold the shared memory; a start then fails. Processes whose working directory is the data directory are listed and stopped, and so is a pg_basebackup or pg_rewind into it that a cancelled recover left running; if a live postmaster is there, someone else (pgpool\'s scripts) started the node and nothing is touched.',
    action: { kind: 'ssh', host: node.name, argv: stopLeftoversArgv(node), timeoutMs: 30_000 },
    onFailure: `${node.name} was not started. Another PostgreSQL runs on its data directory (pgpool's follow_primary or failover script may have started it): wait for pgpool to finish, check "pgpool-cluster status", then re-run.`,
  };
}

export function startStep(node: NodeDefinition, onFailure: string): PlanStep {
  return {
    id: `start-${node.name}`, title: `Start PostgreSQL on ${node.name}`, why: 'The node must run to stream from the primary; if the start fails, the last 20 lines of its log are shown.', destructive: false,
    action: { kind: 'ssh', host: node.name, argv: startShowingLogArgv(node, pgCtl.start(node)), timeoutMs: 90_000 },
    check: isStandby(node, 10_000), onFailure,
  };
}

export function checkpointStep(node: NodeDefinition, capture?: string): PlanStep {
  return {
    id: `controldata-${node.name}`, title: `Read ${node.name}'s last checkpoint (pg_controldata)`,
    why: 'The shutdown checkpoint marks the end of the WAL the old primary wrote; the new primary must have replayed past it.',
    destructive: false, action: { kind: 'ssh', host: node.name, argv: controldataArgv(node) },
    ...(capture ? { capture: { fact: capture, from: 'controldata-checkpoint' as const } } : {}),
    onFailure: `pg_controldata could not be read on ${node.name}; the node is stopped and nothing else changed. Start it again (pg_ctl start) to undo.`,
  };
}

/** Where a full copy keeps the node's old data directory (never deleted): `<dir>.pgpool-cluster-<timestamp>`. */
export function asideDirectory(node: NodeDefinition, now: Date): string {
  return `${dataDir(node).replace(/\/+$/, '')}.pgpool-cluster-${timestampSuffix(now)}`;
}

/**
 * Moves a stopped node's data directory to `aside` before a full copy (recover, setup-replication). Skipped when
 * the directory is missing or empty: there is nothing to keep, and pg_basebackup accepts an empty directory.
 */
export function moveAsideStep(node: NodeDefinition, aside: string, copier = 'pg_basebackup'): PlanStep {
  const data = dataDir(node);
  return {
    id: `move-aside-${node.name}`, title: `Move ${node.name}'s data directory aside`, destructive: true,
    why: `${copier} starts from an empty directory; the old one is kept as ${aside} (delete it yourself once the node is healthy).`,
    action: { kind: 'ssh', host: node.name, argv: ['mv', '--', data, aside] },
    skipIf: { kind: 'ssh-exit', host: node.name, argv: ['sh', '-c', '[ ! -e "$1" ] || [ -z "$(ls -A "$1")" ]', '_', data], exitCodes: [0], describe: `${data} is missing or empty` },
    onFailure: `${node.name} is stopped and detached; its data directory was not moved. Check permissions on ${path.posix.dirname(data)}.`,
  };
}

/** pg_basebackup of `primary` into the node's (empty or missing) data directory, optionally creating and using `slot`. */
export function basebackupStep(cluster: ClusterDefinition, node: NodeDefinition, primary: NodeDefinition, aside: string, slot?: string): PlanStep {
  return {
    id: `basebackup-${node.name}`, title: `pg_basebackup ${node.name} from ${primary.name}${slot ? ` (slot ${slot})` : ''}`, destructive: false,
    why: 'A fresh, consistent copy of the primary, with the WAL streamed alongside.',
    action: { kind: 'ssh', host: node.name, timeoutMs: 24 * 3_600_000, argv: withNodePassFile(node, [bin(node, 'pg_basebackup'), '-d', replicationConninfo(cluster, primary, node), '-D', dataDir(node), '-X', 'stream', '-c', 'fast', ...(slot ? ['-C', '-S', slot] : [])]) },
    onFailure: `${node.name} is stopped and detached; its old data is in ${aside}.`,
    causes: 'disk space, pg_hba replication line, password in the pass file',
    onCancel: `${node.name} is stopped and detached; ${dataDir(node)} holds a partial copy and its old data is in ${aside}. pg_basebackup may still run on ${node.name} until its connection to ${primary.name} ends. `
      + `Re-run "pgpool-cluster recover ${node.name} --method basebackup": it stops that copy, moves the partial one aside and copies again.`,
  };
}

/** Writes the standby configuration of a stopped node (one or two ssh commands, by version). */
export function standbyConfigSteps(cluster: ClusterDefinition, node: NodeDefinition, primary: NodeDefinition, v: Versions): PlanStep[] {
  const argvs = standbyConfigArgv(cluster, node, primary, v);
  const how = pgAtLeast(v, '12') ? 'standby.signal + primary_conninfo in postgresql.auto.conf' : 'recovery.conf with standby_mode';
  return argvs.map((argv, i) => ({
    id: `standby-config-${node.name}-${i + 1}`,
    title: `Configure ${node.name} as a standby of ${primary.name} (${how}${argvs.length > 1 ? `, ${i + 1}/${argvs.length}` : ''})`,
    why: `PostgreSQL ${v.postgres} starts as a standby only with ${how}.`, destructive: false,
    action: { kind: 'ssh', host: node.name, argv },
    onFailure: `${node.name} is stopped and not configured as a standby yet; a re-run skips the steps already done.`,
    causes: 'disk, permissions',
  }));
}

/**
 * Re-points a running standby at a new primary: ALTER SYSTEM + reload on >= 13 (primary_conninfo reloads),
 * ALTER SYSTEM + restart on 12, recovery.conf + restart before 12.
 */
export function repointSteps(cluster: ClusterDefinition, standby: NodeDefinition, primary: NodeDefinition, v: Versions): PlanStep[] {
  const ci = replicationConninfo(cluster, primary, standby);
  const onFailure = `${standby.name} may still follow the old primary. Recover it: "pgpool-cluster recover ${standby.name}".`;
  const skipIf = { ...streamsFrom(standby, primary, 0), describe: `${standby.name} already streams from ${primary.name}` };
  // pgpool's follow_primary script may re-point the same standby meanwhile (it runs after pgpool's failover for the
  // old primary) and stop it in the middle of this restart: the restart then counts as done once the standby streams
  // from the new primary, whoever made it so.
  const steps: PlanStep[] = [];
  if (pgAtLeast(v, '12')) {
    // A home-relative pass file is resolved by a script on the host: append the line there instead of ALTER SYSTEM.
    const homeRelative = nodePassFile(standby).kind === 'home';
    steps.push({
      id: `repoint-${standby.name}`, title: `Point ${standby.name} at ${primary.name} (${homeRelative ? 'primary_conninfo appended to postgresql.auto.conf' : 'ALTER SYSTEM SET primary_conninfo'})`,
      why: 'The standby must stream from the new primary and follow its new timeline.', destructive: false,
      action: homeRelative
        ? { kind: 'ssh', host: standby.name, argv: confLinesArgv(standby, 'append', `${dataDir(standby)}/postgresql.auto.conf`, [`primary_conninfo = ${confLiteral(replicationConninfo(cluster, primary, standby, true))}`]) }
        : { kind: 'sql', node: standby.name, sql: `ALTER SYSTEM SET primary_conninfo = ${sqlLiteral(ci)}` },
      skipIf, onFailure,
    });
    steps.push(pgAtLeast(v, '13')
      ? {
        id: `reload-${standby.name}`, title: `Reload ${standby.name}'s configuration`, why: 'PostgreSQL 13+ applies primary_conninfo on reload.',
        destructive: false, action: { kind: 'sql', node: standby.name, sql: 'SELECT pg_reload_conf()' }, skipIf,
        check: streamsFrom(standby, primary), onFailure,
      }
      : {
        id: `restart-${standby.name}`, title: `Restart ${standby.name}`, why: 'PostgreSQL 12 applies primary_conninfo only at start.',
        destructive: true, action: { kind: 'ssh', host: standby.name, argv: startShowingLogArgv(standby, pgCtl.restart(standby)), timeoutMs: 90_000 }, skipIf,
        check: streamsFrom(standby, primary), tolerateFailureIfCheckPasses: true, onFailure,
      });
    return steps;
  }
  for (const s of standbyConfigSteps(cluster, standby, primary, v)) steps.push({ ...s, skipIf });
  steps.push({
    id: `restart-${standby.name}`, title: `Restart ${standby.name}`, why: `PostgreSQL ${v.postgres} reads recovery.conf only at start.`,
    destructive: true, action: { kind: 'ssh', host: standby.name, argv: startShowingLogArgv(standby, pgCtl.restart(standby)), timeoutMs: 90_000 }, skipIf,
    check: streamsFrom(standby, primary), tolerateFailureIfCheckPasses: true, onFailure,
  });
  return steps;
}

/**
 * The standbys to detach before the primary goes away so that pgpool's own failover cannot pick them: pgpool
 * names the lowest-numbered attached node as the new main node (%m), the one failover_command promotes. When
 * the target is attached, only standbys numbered below it could be named; when it is not, any could.
 * Each detach costs pgpool a failover round that ends with a fixed 1 s sleep (pgpool_main.c failover()),
 * which delays pgpool's next failover, the one that switches writes to the new primary.
 *
 * `cleanStopSafe` is false when a clean stop of the old primary is part of the plan and the installed
 * failover_command may promote before that stop has finished (pgpool fails over as soon as it begins): then
 * every other standby is detached, as before, and pgpool's sleep after those detaches usually outlasts the stop.
 */
export function standbysToDetach(target: NodeDefinition, others: readonly NodeDefinition[], opts: { targetAttached: boolean; cleanStopSafe: boolean }): NodeDefinition[] {
  return opts.targetAttached && opts.cleanStopSafe ? others.filter((o) => o.id < target.id) : [...others];
}

/**
 * The opening of a hand-over to `target` (switchover, promote): detach the standbys pgpool's own failover could
 * pick instead (see standbysToDetach), then, when some stay attached, check pgpool still uses the target.
 * `reattach` is the advice failure messages append; `warning` is set when the clean stop is not known safe.
 */
export function handoverDetachSteps(target: NodeDefinition, targetPgpoolStatus: string | undefined, others: readonly NodeDefinition[],
  clean: { safe: boolean; scriptWaits: boolean | undefined }, why: (o: NodeDefinition) => string): { steps: PlanStep[]; reattach: string; warning?: string } {
  const targetAttached = targetPgpoolStatus === 'up' || targetPgpoolStatus === 'waiting';
  const detached = standbysToDetach(target, others, { targetAttached, cleanStopSafe: clean.safe });
  const reattach = detached.length ? ` Re-attach ${detached.map((o) => o.name).join(', ')} (pgpool-cluster attach).` : '';
  const steps = detached.map((o) => detachStep(o, why(o)));
  if (targetAttached && detached.length < others.length) steps.push(targetAttachedStep(target, reattach));
  return { steps, reattach, ...(clean.safe ? {} : { warning: cleanStopWarning(clean.scriptWaits) }) };
}

/** The plan's warning when the installed failover_command does not wait for a clean shutdown to finish. */
export function cleanStopWarning(known: boolean | undefined): string {
  return known === false
    ? 'pgpool\'s failover_command script does not wait for the old primary\'s clean shutdown to finish: pgpool may promote before the last WAL reached the standbys and lose acknowledged writes. Every other standby is detached first, which makes that unlikely, not impossible. Install the current scripts with "pgpool-cluster configure-pgpool".'
    : 'Could not read pgpool\'s failover_command script to see whether it waits for a clean shutdown to finish; every other standby is detached first to make an early promotion by pgpool unlikely.';
}

/** Step before the old primary stops: pgpool still uses the target, so its failover will name it. */
export function targetAttachedStep(target: NodeDefinition, reattach = ''): PlanStep {
  return {
    id: `pgpool-uses-${target.name}`, title: `Check that pgpool uses ${target.name} (node ${target.id})`,
    why: `pgpool's failover names the lowest-numbered attached node; the standbys numbered below ${target.name} are detached, so that is ${target.name} as long as pgpool uses it.`,
    destructive: false, action: { kind: 'wait' }, check: pgpoolUp(target.id, 0, true),
    onFailure: `Nothing was stopped or promoted. pgpool does not use ${target.name}: attach it ("pgpool-cluster attach ${target.name}") and re-run.${reattach}`,
  };
}

/** Step right before a promotion: nobody (pgpool's failover_command) promoted another node meanwhile. */
export function noOtherPrimaryStep(target: NodeDefinition, nodes: readonly NodeDefinition[], onFailure: string): PlanStep {
  const others = nodes.filter((n) => n !== target);
  return {
    id: `no-other-primary`, title: `Check that no node other than ${target.name} has become a primary`,
    why: 'pgpool may have run its own failover meanwhile; promoting as well would make two primaries.', destructive: false,
    action: { kind: 'wait' },
    check: { kind: 'no-primary', nodes: others.map((n) => n.name), describe: `none of ${others.map((n) => n.name).join(', ')} is a primary` },
    onFailure,
  };
}

/** Promotes a standby: pg_promote() on >= 12, pg_ctl promote before; skipped once it is a primary. */
/** pg_promote without its wait, then the same wait at a tenth of its interval (at most 60 s); read-only otherwise, so it runs on a standby. */
export const PROMOTE_AND_WAIT_SQL = 'DO $$BEGIN PERFORM pg_promote(false); FOR i IN 1..6000 LOOP EXIT WHEN NOT pg_is_in_recovery(); PERFORM pg_sleep(0.01); END LOOP; END$$';

export function promoteStep(node: NodeDefinition, v: Versions, onFailure: string): PlanStep {
  const base = {
    id: `promote-${node.name}`, title: `Promote ${node.name} to primary`, destructive: true,
    skipIf: { ...isPrimary(node), describe: `${node.name} is already a primary` },
    check: isPrimary(node, 60_000), tolerateFailureIfCheckPasses: true, onFailure,
  };
  return pgAtLeast(v, '12')
    ? { ...base, why: 'pg_promote() (PostgreSQL 12+) ends recovery; the statement then waits until the node accepts writes, looking every 10 ms (pg_promote\'s own wait looks every 100 ms).', action: { kind: 'sql', node: node.name, sql: PROMOTE_AND_WAIT_SQL, timeoutMs: 70_000 } }
    : { ...base, why: `PostgreSQL ${v.postgres} has no pg_promote(); pg_ctl promote ends recovery.`, action: { kind: 'ssh', host: node.name, argv: pgCtl.promote(node, v), timeoutMs: 70_000 } };
}
