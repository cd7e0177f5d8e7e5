/**
 * Never race pgpool's own scripts: while its failover_command or follow_primary_command is running on the pgpool
 * host (a process whose command line names the script), an operation that touches a node waits a bounded time,
 * then refuses. pgpool's follow_primary may restart or rewind the very node an operation works on.
 */
import type { ClusterDefinition } from '../../inventory/model';
import { confValues } from '../setup/configurePgpoolInput';
import { readRunningPgpoolConf } from '../setup/configurePgpoolDiscovery';
import type { OpsEnvironment } from '../engine/environment';
import type { PlanResult, PlanStep } from '../engine/plan';
import { commandProgram } from '../handover/pgpoolScriptFacts';

/** Bound of the wait, seconds. */
export const PGPOOL_SCRIPTS_WAIT_S = 60;

/**
 * `$1` seconds to wait, then the script paths. Exit 0 once no process's argv names one of them (this waiter
 * and its subshells excluded by their `$0`); exit 3 after the bound, printing the pids and command lines still running.
 */
const WAIT_SCRIPTS_IDLE = `limit=$1; shift; me=$$; end=$(( $(date +%s) + limit ))
fast=; printf 'x\\000' | grep -qzxF x 2>/dev/null && fast=1
busy() { if [ -n "$fast" ]; then
    # One grep over every command line (GNU grep -z); the patterns come on stdin so grep never names them itself.
    for p in $(printf '%s\\n' "$@" | grep -lzxFf - /proc/[0-9]*/cmdline 2>/dev/null); do pid=\${p#/proc/}; pid=\${pid%/cmdline}
      [ "$pid" = "$me" ] && continue; grep -qzxF pgpool-cluster-wait-scripts "$p" 2>/dev/null && continue
      cmd=$(tr '\\000' ' ' 2>/dev/null < "$p") || continue; printf '%s: %s\\n' "$pid" "$cmd"; done; return; fi
  for p in /proc/[0-9]*; do pid=\${p#/proc/}; [ "$pid" = "$me" ] && continue; [ -r "$p/cmdline" ] || continue
  cmd=$(tr '\\000' '\\n' < "$p/cmdline" 2>/dev/null) || continue
  printf '%s\\n' "$cmd" | grep -qxF pgpool-cluster-wait-scripts && continue
  for s; do printf '%s\\n' "$cmd" | grep -qxF -- "$s" && { printf '%s: %s\\n' "$pid" "$(printf '%s' "$cmd" | tr '\\n' ' ')"; break; }; done; done; }
while :; do b=$(busy "$@"); [ -z "$b" ] && exit 0
  [ "$(date +%s)" -ge "$end" ] && { echo "pgpool's scripts are still running after $limit s:" >&2; printf '%s\\n' "$b" >&2; exit 3; }
  sleep 1; done`;

/** `$0` marks this waiter (and its subshells), which name the scripts too, so it never waits for itself. */
export const waitScriptsIdleArgv = (scripts: readonly string[], seconds = PGPOOL_SCRIPTS_WAIT_S): string[] => ['sh', '-c', WAIT_SCRIPTS_IDLE, 'pgpool-cluster-wait-scripts', String(seconds), ...scripts];

/**
 * The wait, then `then` (a shell script given its own arguments `thenArgs`) in the same SSH command: one login
 * instead of two. Both shells carry the waiter's `$0`, so the wait never waits for them.
 */
export const waitScriptsIdleThenArgv = (scripts: readonly string[], then: string, thenArgs: readonly [string, string, string], seconds = PGPOOL_SCRIPTS_WAIT_S): string[] => [
  'sh', '-c', 'w=$1; t=$2; n=$3; a=$4; b=$5; c=$6; shift 6; sh -c "$w" pgpool-cluster-wait-scripts "$n" "$@" || exit; exec sh -c "$t" pgpool-cluster-then "$a" "$b" "$c"',
  'pgpool-cluster-wait-scripts', WAIT_SCRIPTS_IDLE, then, String(seconds), ...thenArgs, ...scripts,
];

/** Set on a plan's step that waits for pgpool's scripts itself (waitScriptsIdleThenArgv): no separate wait is added. */
export const WAITS_FOR_PGPOOL_SCRIPTS = 'pgpool-scripts-idle';

/** The absolute script paths pgpool.conf runs on failover and follow_primary; [] when it cannot be read. */
export async function pgpoolScriptPaths(cluster: ClusterDefinition, env: OpsEnvironment, signal?: AbortSignal, confRead?: Promise<ReadonlyMap<string, string>>): Promise<string[]> {
  try {
    const conf = confRead ? await confRead : confValues(await readRunningPgpoolConf(env, cluster, signal));
    return [commandProgram(conf, 'failover_command'), commandProgram(conf, 'follow_primary_command') ?? commandProgram(conf, 'follow_master_command')]
      .filter((x): x is string => !!x && x.startsWith('/'));
  } catch {
    return [];
  }
}

export function pgpoolScriptsIdleStep(pgpoolHost: string, scripts: readonly string[]): PlanStep {
  return {
    id: 'pgpool-scripts-idle', title: `Wait until pgpool's ${scripts.map((s) => s.slice(s.lastIndexOf('/') + 1)).join(' / ')} are not running (at most ${PGPOOL_SCRIPTS_WAIT_S} s)`,
    why: 'pgpool\'s failover and follow_primary scripts may stop, rewind or start the same nodes; acting meanwhile races them ("lock file postmaster.pid already exists").',
    destructive: false, action: { kind: 'ssh', host: pgpoolHost, argv: waitScriptsIdleArgv(scripts), timeoutMs: (PGPOOL_SCRIPTS_WAIT_S + 30) * 1000 },
    onFailure: 'Nothing was changed. pgpool is still running its own failover or follow_primary script: wait for it to finish ("pgpool-cluster status"), then re-run.',
  };
}

/** Puts the wait first in a plan that acts on nodes; alongside the plan's first step when that one only checks. */
export function withPgpoolScriptsIdle(built: PlanResult, pgpoolHost: string | undefined, scripts: readonly string[]): PlanResult {
  if (!built.ok || !pgpoolHost || scripts.length === 0) return built;
  if (built.plan.steps.some((s) => s.id.startsWith(`${WAITS_FOR_PGPOOL_SCRIPTS}-`))) return built;
  const first = built.plan.steps[0];
  const alongside = first?.action.kind === 'wait' && !first.destructive;
  return { ok: true, plan: { ...built.plan, steps: [{ ...pgpoolScriptsIdleStep(pgpoolHost, scripts), ...(alongside ? { alongsideNext: true } : {}) }, ...built.plan.steps] } };
}
