/**
 * Recover a down, detached or diverged node as a standby of the primary: pgpool's way (pcp_recovery_node)
 * or directly: restart it as a standby (a crashed standby on the primary's timeline), pg_rewind (a former
 * primary), a fresh pg_basebackup (old data directory moved aside, never deleted), or a copy by the backup
 * API + rsync (servers newer than the hosts' pg_basebackup). The default is the fastest safe one (recoverFacts.ts).
 */
import type { NodeDefinition } from '../../inventory/model';
import { currentPrimary, nodeStatus, resolveVersions, type OpsInput } from '../engine/input';
import { bin, dataDir, pgAtLeast, startShowingLogArgv, superuserConninfo, withNodePassFile, type Versions } from '../engine/pgCommands';
import { refuse, type Check, type PlanResult, type PlanStep } from '../engine/plan';
import { isCredentialsError } from '../../status/faultProblems';
import { copySteps } from './recoverCopy';
import { defaultRecoverMethod, rewindWalWarning } from './recoverFacts';
import {
  asideDirectory, attachStep, basebackupStep, detachStep, isStandby, leftoversStep, moveAsideStep, pgpoolDown, pgpoolUp, standbyConfigSteps, startStep, stopStep, streamsFrom,
} from '../engine/steps';
import { fenceBlockedArgv, fenceMarkedArgv, fenceUnblockArgv, fenceUnmarkArgv } from '../handover/fenceHba';
import { fenceMarkPath } from '../../status/fenceMark';

export { defaultRecoverMethod };

/**
 * pcp_recovery_node must outlive pgpool's own recovery_timeout (90 s by default, and in the lab) plus the
 * first stage's copy: cutting it off halfway wedged pgpool. The same limit runs remotely (`timeout`).
 */
export const PCP_RECOVERY_TIMEOUT_MS = 1_800_000;

/**
 * Recover's settle step (PostgreSQL 12+): start the crashed standby ($1 data directory, $2 pg_ctl, $3 pg_controldata)
 * pinned to its own timeline without streaming, then stop it cleanly ("shut down in recovery", which pg_rewind
 * accepts). Following the primary's newer timeline instead fails at once on a node whose WAL went past the fork,
 * e.g. an old primary whose shutdown checkpoint came after pgpool's switchover promoted a standby, left attached by a
 * follow_primary whose pg_rewind ran before the new primary's first checkpoint ("no rewind required"), then killed:
 * "FATAL: requested timeline 2 is not a child of this server's history". Its own timeline is the one of its minimum
 * recovery point when the control file has one (a standby that crossed into a newer timeline before its next
 * restartpoint must reach it there), else the latest checkpoint's ("current"); its own WAL always reaches that point
 * (a standby flushes WAL before the pages it replays). Settings on the command line outrank postgresql.auto.conf;
 * nothing is written to the data directory except standby.signal.
 */
const SETTLE_TIMELINE = 't=$(env LC_ALL=C "$3" "$1" | sed -n "s/^Min recovery ending loc.s timeline: *//p"); case "$t" in ""|0|*[!0-9]*) t=current;; esac; ';

export const SETTLE_AS_STANDBY = `set -e; ${SETTLE_TIMELINE}touch "$1/standby.signal"; `
  + '"$2" -D "$1" -l "$1/startup.log" -o "-c recovery_target_timeline=$t -c primary_conninfo=" -w -t 60 start; "$2" -D "$1" -m fast -w -t 60 stop';

/**
 * The same before PostgreSQL 12, where those settings live in recovery.conf and cannot be given on the command
 * line: for the settle, recovery.conf keeps its lines except primary_conninfo and recovery_target_timeline (given
 * again as the minimum recovery point's timeline; else absent, which means the current timeline); the original is
 * put back whatever happens. No recovery.conf: not a standby, nothing to do.
 */
export const SETTLE_AS_STANDBY_RECOVERY_CONF = `set -e; [ -e "$1/recovery.conf" ] || exit 0; ${SETTLE_TIMELINE}k="$1/recovery.conf.pgpool-cluster-settle"; `
  + '[ -e "$k" ] || cp -p "$1/recovery.conf" "$k"; trap \'mv -f "$k" "$1/recovery.conf"\' EXIT; '
  + '{ grep -v -E "^[[:space:]]*(primary_conninfo|recovery_target_timeline)[[:space:]]*=" "$k" || true; [ "$t" = current ] || echo "recovery_target_timeline = \'$t\'"; } > "$1/recovery.conf"; '
  + '"$2" -D "$1" -l "$1/startup.log" -w -t 60 start; "$2" -D "$1" -m fast -w -t 60 stop';

function rewindSteps(input: OpsInput, node: NodeDefinition, primary: NodeDefinition, v: Versions): PlanStep[] {
  const data = dataDir(node);
  const steps: PlanStep[] = [{
    id: `checkpoint-${primary.name}`, title: `CHECKPOINT on ${primary.name}`, destructive: false,
    why: 'pg_rewind reads the source\'s control file; right after a promotion it still shows the old timeline until a checkpoint.',
    action: { kind: 'sql', node: primary.name, sql: 'CHECKPOINT', timeoutMs: 120_000 },
    onFailure: `Nothing changed on ${node.name}. Check that ${primary.name} accepts superuser connections.`,
  }];
  steps.push({
    id: `settle-${node.name}`, title: `Shut ${node.name} down cleanly as a standby`, destructive: false,
    why: 'A crashed standby must finish its crash recovery as a standby; in single-user mode (what pg_rewind would do) it writes an end-of-recovery checkpoint and forks from the primary\'s history. '
      + 'It replays only its own WAL on its own timeline (no streaming, recovery_target_timeline current): a node past the fork would otherwise refuse to start ("requested timeline N is not a child of this server\'s history").',
    // A failed start prints the server's own last log lines (startShowingLogArgv), not only pg_ctl's "Examine the log output".
    action: { kind: 'ssh', host: node.name, timeoutMs: 180_000, argv: startShowingLogArgv(node, ['sh', '-c', pgAtLeast(v, '12') ? SETTLE_AS_STANDBY : SETTLE_AS_STANDBY_RECOVERY_CONF, '_', data, bin(node, 'pg_ctl'), bin(node, 'pg_controldata')]) },
    skipIf: { kind: 'ssh-exit', host: node.name, exitCodes: [0], describe: `${node.name} did not crash as a standby`,
      argv: ['sh', '-c', '! env LC_ALL=C "$2" "$1" | grep -q "^Database cluster state: *in archive recovery"', '_', data, bin(node, 'pg_controldata')] },
    onFailure: `${node.name} is stopped and detached; nothing was rewound. Use "pgpool-cluster recover ${node.name} --method basebackup".`,
  });
  steps.push({
    id: `unsignal-${node.name}`, title: `Take ${node.name} out of standby mode for pg_rewind`, destructive: false,
    why: 'pg_rewind finishes crash recovery in single-user mode, which refuses to run with standby.signal / recovery.conf; the standby configuration is written again afterwards.',
    action: { kind: 'ssh', host: node.name, argv: pgAtLeast(v, '12')
      ? ['rm', '-f', '--', `${data}/standby.signal`, `${data}/recovery.signal`]
      : ['sh', '-c', 'if [ -e "$1/recovery.conf" ]; then mv "$1/recovery.conf" "$1/recovery.done"; fi', '_', data] },
    onFailure: `${node.name} is stopped and detached; nothing was rewound.`,
  });
  if (!pgAtLeast(v, '13')) {
    steps.push({
      id: `crash-recovery-${node.name}`, title: `Finish crash recovery on ${node.name} (single-user mode)`, destructive: false,
      why: `pg_rewind before PostgreSQL 13 needs a cleanly shut down target; single-user mode replays the WAL and stops.`,
      action: { kind: 'ssh', host: node.name, argv: ['sh', '-c', 'exec "$1" --single -D "$2" postgres < /dev/null', '_', bin(node, 'postgres'), data], timeoutMs: 600_000 },
      optional: true, onFailure: 'pg_rewind will say whether the target is usable.',
    });
  }
  steps.push({
    id: `rewind-${node.name}`, title: `pg_rewind ${node.name} from ${primary.name}`, destructive: true,
    why: 'Rewinds the node to where its history forked from the primary and copies only the changed blocks.',
    action: { kind: 'ssh', host: node.name, argv: withNodePassFile(node, [bin(node, 'pg_rewind'), '-D', data, `--source-server=${superuserConninfo(input.cluster, primary)}`]), timeoutMs: 3_600_000 },
    onFailure: `${node.name} is stopped and detached; its data directory may be partly rewound. Use "pgpool-cluster recover ${node.name} --method basebackup".`,
  });
  return steps;
}

/** Removes a fence's pg_hba block (skipped when the node was never fenced), while the node is stopped. */
export function unfenceStep(node: NodeDefinition, optional: boolean): PlanStep {
  return {
    id: `unfence-${node.name}`, title: `Remove the fence block from ${node.name}'s pg_hba`, destructive: false,
    why: 'A fenced node rejects every TCP client, the primary\'s replication and pgpool included; the rest of the file is kept.',
    action: { kind: 'ssh', host: node.name, argv: fenceUnblockArgv(node), timeoutMs: 20_000 },
    skipIf: { kind: 'ssh-exit', host: node.name, argv: ['sh', '-c', '! "$@"', '_', ...fenceBlockedArgv(node)], exitCodes: [0], describe: `${node.name} is not fenced` },
    ...(optional ? { optional: true } : {}),
    onFailure: `${node.name} is stopped and detached and its pg_hba still rejects TCP clients. Remove the lines between "# BEGIN pgpool-cluster fence" and "# END pgpool-cluster fence" in its pg_hba.conf and re-run.`,
  };
}

/** Removes the fence mark once the node follows the primary again (skipped when there is none): pgpool's follow_primary then treats it as any standby. */
export function unmarkStep(node: NodeDefinition): PlanStep {
  const mark = fenceMarkPath(dataDir(node));
  return {
    id: `unmark-${node.name}`, title: `Remove ${node.name}'s fence mark (${mark})`, destructive: false,
    why: 'While it is there, pgpool\'s follow_primary leaves the node alone after a failover and status shows it fenced.',
    action: { kind: 'ssh', host: node.name, argv: fenceUnmarkArgv(node), timeoutMs: 20_000 },
    skipIf: { kind: 'ssh-exit', host: node.name, argv: ['sh', '-c', '! "$@"', '_', ...fenceMarkedArgv(node)], exitCodes: [0], describe: `${node.name} has no fence mark` },
    onFailure: `${node.name} follows the primary but still carries its fence mark: pgpool's follow_primary will leave it alone after a failover. Remove ${mark} on its host.`,
  };
}

/** The node is a standby that streams and pgpool uses: nothing to rebuild (a fence mark may still be left). */
export function streamsAttached(input: OpsInput, node: NodeDefinition): boolean {
  const ns = nodeStatus(input.status, node);
  return ns?.postgres.reachable === true && ns.postgres.role === 'standby' && ns.postgres.walReceiverStatus === 'streaming' && (ns.status === 'up' || ns.status === 'waiting') && !ns.detached;
}

export function buildRecoverPlan(input: OpsInput, node: NodeDefinition): PlanResult {
  const { cluster, status } = input;
  const v = resolveVersions(cluster, status);
  const ns = nodeStatus(status, node);
  const primary = currentPrimary({ ...input, cluster: { ...cluster, nodes: cluster.nodes.filter((n) => n !== node) } });
  if (!primary) {
    // No primary seen because the logins were refused is not "no primary": say which login to fix.
    const refused = status.nodes.filter((n) => !n.postgres.reachable && (isCredentialsError(n.postgres.error) || /authentication|passphrase/i.test(n.postgres.error ?? '')));
    if (refused.length > 0) {
      const e = (refused[0]!.postgres.error ?? '').replace(/\s+/g, ' ').trim().split('. ')[0]!.replace(/\.+$/, '');
      return refuse(`Cannot tell which node is the primary: ${refused.map((n) => n.name).join(', ')} refused the login (${e}). `
        + 'Fix the password in the .pgpass file named by database.passfile (or the SSH key and its passphrase when database.tunnel is on), then re-run; nothing was changed.');
    }
    return refuse(ns?.postgres.role === 'primary' ? `${node.name} is the only primary; there is nothing to recover it from.`
      : 'No running primary to recover from. Promote a standby first.');
  }
  if (ns?.postgres.reachable && ns.postgres.role === 'primary' && ns.pgpool?.role === 'primary' && ns.status === 'up') {
    return refuse(`${node.name} is the primary pgpool uses; recovering it would destroy it. Switch over first.`);
  }
  if (streamsAttached(input, node)) {
    // Brought back by other hands (a follow_primary that ignores fences, a start and attach by hand): only the mark is left.
    if (input.fenceMarked) {
      return {
        ok: true,
        plan: {
          operation: 'recover', cluster: cluster.name, node: node.name, destructive: false, versions: v, warnings: [], steps: [unmarkStep(node)], verify: [],
          summary: `${node.name} is up, attached and streaming already; only its fence mark is left: remove it so that pgpool's follow_primary treats it as any standby again.`,
        },
      };
    }
    return refuse(`${node.name} is up, attached and streaming; there is nothing to recover.`);
  }
  if (!node.dataDirectory && input.options?.method !== 'pcp') return refuse(`Node ${node.name} has no dataDirectory in the cluster file; set it, or use --method pcp.`);

  const chosen = input.options?.method ? { method: input.options.method, why: 'chosen by the user' } : defaultRecoverMethod(input);
  const warnings: string[] = [];
  const walWarning = chosen.method === 'rewind' ? rewindWalWarning(input.facts) : undefined;
  if (walWarning) warnings.push(walWarning);
  if (ns?.postgres.reachable && ns.postgres.role === 'primary') warnings.push(`${node.name} is running as a primary that pgpool does not use (a false primary); its writes since it diverged will be discarded.`);
  const steps: PlanStep[] = [];
  if (chosen.method !== 'pcp') {
    steps.push({
      id: `reach-${node.name}`, title: `Reach ${node.name}'s host over SSH`, destructive: false,
      why: 'Every later step runs there; find out before anything changes.', action: { kind: 'ssh', host: node.name, argv: ['true'], timeoutMs: 20_000 },
      onFailure: `Nothing was changed: ${node.name} keeps its current state in pgpool. Check its sshd and the ssh settings for ${node.name} in the cluster file.`,
    });
  }
  if (ns?.pgpool && ns.pgpool.status !== 'down') steps.push(detachStep(node, 'pgpool must not send queries to the node while it is rebuilt.'));
  else if (!ns?.pgpool && cluster.pgpool.length > 0) {
    // pgpool did not answer the status (a failover for this node's crash under way, or pgpool down): a degenerate
    // request it still holds would mark the node down after the restart, once the attach at the end had been
    // skipped as "already up". Detached first, and pgpool seen to list it down, the attach at the end runs.
    steps.push({
      ...detachStep(node, 'pgpool did not answer when the plan was made: it may still hold a failure of this node it has not acted on, which would detach the rebuilt node after the restart. Detached now (and seen down), it is attached at the end. Skipped when pgpool already lists it down; when pgpool does not answer, a warning and the rebuild goes on.'),
      check: pgpoolDown(node.id, 5_000), optional: true,
    });
  }
  const verify: Check[] = [streamsFrom(node, primary, 10_000), isStandby(node), pgpoolUp(node.id, 10_000)];
  let summary = `Rebuild ${node.name} as a standby of ${primary.name} by ${chosen.method} (${chosen.why}).`;
  if (chosen.method === 'pcp') {
    if (node.dataDirectory) steps.push(unfenceStep(node, true));
    steps.push({
      id: `pcp-recovery-${node.name}`, title: `pcp_recovery_node ${node.name} (node ${node.id})`, destructive: true,
      why: 'pgpool runs recovery_1st_stage on the primary (pg_rewind, else pg_basebackup), then pgpool_remote_start, then attaches the node.',
      action: { kind: 'pcp', tool: 'pcp_recovery_node', args: ['-n', String(node.id)], timeoutMs: PCP_RECOVERY_TIMEOUT_MS },
      check: pgpoolUp(node.id, 30_000),
      onFailure: `${node.name} is detached. Read pgpool's log for recovery_1st_stage errors, or use --method rewind / basebackup.`,
    });
    if (node.dataDirectory) steps.push(unmarkStep(node));
  } else {
    const down = `${node.name} stays detached from pgpool; nothing else changed.`;
    steps.push(stopStep(node, chosen.method === 'restart' ? 'It starts again as a standby of the current primary.' : `${chosen.method} needs the node stopped.`, down));
    steps.push(leftoversStep(node));
    // Before rewind or the copy replace the data directory (and the marker naming an hba file outside it).
    steps.push(unfenceStep(node, false));
    if (chosen.method === 'restart') { /* only the standby configuration below */ } else if (chosen.method === 'rewind') steps.push(...rewindSteps(input, node, primary, v));
    else if (chosen.method === 'copy') steps.push(...copySteps(cluster, node, primary, v));
    else {
      const aside = asideDirectory(node, input.options?.now ?? new Date());
      steps.push(moveAsideStep(node, aside), basebackupStep(cluster, node, primary, aside));
      summary += ` The old data directory is kept as ${aside}.`;
    }
    const notStarted = `${node.name} is configured but not running (detached). Read ${dataDir(node)}/startup.log on the host, fix, and run "pg_ctl start" then "pgpool-cluster attach ${node.name}".`;
    steps.push(...standbyConfigSteps(cluster, node, primary, v), startStep(node, notStarted));
    steps.push({
      id: `streaming-${node.name}`, title: `Wait until ${node.name} streams from ${primary.name}`, why: 'Attach only a standby that really follows the primary.',
      destructive: false, action: { kind: 'wait' }, check: streamsFrom(node, primary),
      onFailure: `${node.name} runs but does not stream from ${primary.name} (still detached). Check its log; try --method ${chosen.method === 'restart' ? 'rewind, or basebackup' : 'basebackup'}${pgAtLeast(v, '16') ? ' (copy if the hosts\' pg_basebackup is older)' : ''}.`,
    });
    steps.push(unmarkStep(node), attachStep(node));
  }
  return {
    ok: true,
    plan: { operation: 'recover', cluster: cluster.name, node: node.name, destructive: true, versions: v, warnings, steps, verify, summary },
  };
}
