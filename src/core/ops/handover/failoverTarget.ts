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

/**
 * The opening of a hand-over: the target file when the installed script reads one (and waits for a clean stop),
 * the target is attached and the old primary is known; else the detaches of handoverDetachSteps.
 */
export function handoverSteps(input: OpsInput, target: NodeDefinition, old: NodeDefinition | undefined, others: readonly NodeDefinition[],
  clean: { safe: boolean; scriptWaits: boolean | undefined }, why: (o: NodeDefinition) => string): { steps: PlanStep[]; reattach: string; warning?: string } {
  const status = input.status.nodes.find((n) => n.name === target.name)?.pgpool?.status;
  const attached = status === 'up' || status === 'waiting';
  const file = input.failoverTargetFile;
  if (file && old && attached && input.failoverWaitsForCleanStop === true) {
    // The check first: it is read-only, so it runs alongside the wait for pgpool's scripts (withPgpoolScriptsIdle).
    return { steps: [targetAttachedStep(target), writeTargetStep(pgpoolOf(input.cluster).name, file, target, old)], reattach: '' };
  }
  return handoverDetachSteps(target, status, others, clean, why);
}
