/**
 * The hand-over to a chosen node through the failover script's target file: promote and switchover write
 * "<target id> <old primary id>" into the file the installed failover.sh reads (its marker names it), so that
 * whatever node pgpool proposes, the script promotes the operator's choice. No standby is detached, so pgpool
 * runs one failover (for the old primary) instead of one per detached standby, each ending in a 1 s sleep.
 * Scripts without the marker keep the detaches (steps.ts handoverDetachSteps).
 */
import type { NodeDefinition } from '../../inventory/model';
import { pgpoolOf } from '../engine/environment';
import type { OpsInput } from '../engine/input';
import type { PlanStep } from '../engine/plan';
import { handoverDetachSteps, targetAttachedStep } from '../engine/steps';
import { PGPOOL_SCRIPTS_WAIT_S, pgpoolScriptsIdleStep, waitScriptsIdleArgv, waitScriptsIdleThenArgv, WAITS_FOR_PGPOOL_SCRIPTS } from '../preflight/pgpoolBusy';

/** How long undo waits for a running failover script: its own bounds (60 s clean-stop wait, 60 s promotion) and some. */
const FAILOVER_IDLE_WAIT_S = 150;

/** Written to a temporary name and renamed, so the script never reads half a file. */
const WRITE_TARGET = 'printf "%s %s\\n" "$2" "$3" > "$1.$$" && mv -f -- "$1.$$" "$1"';

export function writeTargetStep(pgpoolHost: string, file: string, target: NodeDefinition, old: NodeDefinition): PlanStep {
  return {
    id: 'failover-target', title: `Tell pgpool's failover script to promote ${target.name} (node ${target.id})`,
    why: `When pgpool fails over for ${old.name}, its failover_command promotes the node named in ${file} instead of the lowest-numbered attached node, so no standby has to be detached first. The script removes the file.`,
    destructive: false,
    action: { kind: 'ssh', host: pgpoolHost, argv: ['sh', '-c', WRITE_TARGET, 'pgpool-cluster-failover-target', file, String(target.id), String(old.id)], timeoutMs: 15_000 },
    onFailure: `Nothing was stopped or promoted. Could not write ${file} on the pgpool host; check its permissions, or re-install the scripts ("pgpool-cluster configure-pgpool").`,
  };
}

/** The wait for pgpool's scripts and the target file in one SSH command (one login on the pgpool host instead of two). */
export function writeTargetAfterScriptsStep(pgpoolHost: string, file: string, target: NodeDefinition, old: NodeDefinition, scripts: readonly string[]): PlanStep {
  const w = writeTargetStep(pgpoolHost, file, target, old);
  const idle = pgpoolScriptsIdleStep(pgpoolHost, scripts);
  return {
    ...w, id: `${WAITS_FOR_PGPOOL_SCRIPTS}-failover-target`,
    title: `${idle.title}, then tell pgpool's failover script to promote ${target.name} (node ${target.id})`,
    why: `${idle.why} ${w.why}`,
    action: { kind: 'ssh', host: pgpoolHost, argv: waitScriptsIdleThenArgv(scripts, WRITE_TARGET, [file, String(target.id), String(old.id)]), timeoutMs: (PGPOOL_SCRIPTS_WAIT_S + 30) * 1000 },
    onFailure: `Nothing was stopped or promoted. Either pgpool is still running its own failover or follow_primary script (wait for it to finish, "pgpool-cluster status", then re-run), or ${file} could not be written on the pgpool host (check its permissions, or re-install the scripts: "pgpool-cluster configure-pgpool").`,
  };
}

/**
 * The opening of a hand-over: the target file when the installed script reads one (and waits for a clean stop),
 * the target is attached and the old primary is known; else the detaches of handoverDetachSteps.
 */
export function handoverSteps(input: OpsInput, target: NodeDefinition, old: NodeDefinition | undefined, others: readonly NodeDefinition[],
  clean: { safe: boolean; scriptWaits: boolean | undefined }, why: (o: NodeDefinition) => string): { steps: PlanStep[]; reattach: string; warning?: string; targetFile?: string } {
  const status = input.status.nodes.find((n) => n.name === target.name)?.pgpool?.status;
  const attached = status === 'up' || status === 'waiting';
  const file = input.failoverTargetFile;
  if (file && old && attached && input.failoverWaitsForCleanStop === true) {
    const host = pgpoolOf(input.cluster).name;
    const scripts = input.pgpoolScripts ?? [];
    if (scripts.length && input.cluster.pgpool.length === 1) {
      // One SSH command waits for pgpool's scripts, then writes the file; the check runs alongside it, and the file
      // goes again if pgpool does not use the target.
      return {
        steps: [{ ...targetAttachedStep(target), alongsideNext: true, undo: { steps: [removeTargetStep(host, file)], done: 'nothing was stopped or promoted, and the target file was removed.' } },
          writeTargetAfterScriptsStep(host, file, target, old, scripts)],
        reattach: '', targetFile: file,
      };
    }
    // The check first: it is read-only, so it runs alongside the wait for pgpool's scripts (withPgpoolScriptsIdle).
    return { steps: [targetAttachedStep(target), writeTargetStep(host, file, target, old)], reattach: '', targetFile: file };
  }
  return handoverDetachSteps(target, status, others, clean, why);
}

/**
 * Undo's guard: the target file names the old primary itself ("<old> <old>"), so a failover pgpool runs for it
 * from now on promotes no other node (the script would promote the old primary, which is what the undo does).
 * Written whatever the file holds: a script that already read the operator's choice still runs, and the next
 * step waits for it.
 */
export function guardTargetStep(pgpoolHost: string, file: string, old: NodeDefinition, target: NodeDefinition): PlanStep {
  return {
    id: 'failover-target-guard', title: `Tell pgpool's failover script to promote no node other than ${old.name} (${file} names node ${old.id})`,
    why: `pgpool fails over for ${old.name} once it sees it stopped; with ${target.name} no longer named, its failover cannot promote another node while ${old.name} starts again.`,
    destructive: false,
    action: { kind: 'ssh', host: pgpoolHost, argv: ['sh', '-c', WRITE_TARGET, 'pgpool-cluster-failover-target', file, String(old.id), String(old.id)], timeoutMs: 15_000 },
    onFailure: `${old.name} stays stopped, because ${file} could not be rewritten and pgpool's failover may still promote ${target.name}. `
      + `Run "pgpool-cluster status": if ${target.name} is the primary, "pgpool-cluster recover ${old.name}"; if no node is, start ${old.name} (pg_ctl start), "pgpool-cluster attach ${old.name}", and remove ${file} on the pgpool host.`,
  };
}

/** Undo's wait: no failover_command runs on the pgpool host (one that read the operator's choice before the guard could still promote). */
export function failoverIdleStep(pgpoolHost: string, script: string, old: NodeDefinition, target: NodeDefinition): PlanStep {
  return {
    id: 'failover-idle', title: `Wait until pgpool's ${script.slice(script.lastIndexOf('/') + 1)} is not running (at most ${FAILOVER_IDLE_WAIT_S} s)`,
    why: `A failover for ${old.name} that read the target file before it was rewritten may be promoting ${target.name}; it waits at most 60 s for a clean stop, then promotes within 60 s.`,
    destructive: false, action: { kind: 'ssh', host: pgpoolHost, argv: waitScriptsIdleArgv([script], FAILOVER_IDLE_WAIT_S), timeoutMs: (FAILOVER_IDLE_WAIT_S + 30) * 1000 },
    onFailure: `${old.name} stays stopped, because pgpool's failover script still runs and may promote ${target.name}. `
      + `When it has finished, run "pgpool-cluster status": if ${target.name} is the primary, "pgpool-cluster recover ${old.name}"; if no node is, start ${old.name} (pg_ctl start) and "pgpool-cluster attach ${old.name}".`,
  };
}

/** Undo's last step: the guard goes, so the file names no node (the script also ignores it after two minutes). */
export function removeTargetStep(pgpoolHost: string, file: string): PlanStep {
  return {
    id: 'failover-target-remove', title: `Remove ${file}`, why: 'The next failover should choose its node as usual.', destructive: false,
    action: { kind: 'ssh', host: pgpoolHost, argv: ['rm', '-f', '--', file], timeoutMs: 15_000 }, optional: true,
    onFailure: `Remove ${file} on the pgpool host yourself; the failover script ignores it once it is two minutes old.`,
  };
}
