/**
 * Start, stop and recover one pgpool node of a cluster (several pgpools run watchdog). pgpool has no command to
 * change the watchdog leader: stopping the leader is how a user moves it, so the stop plan says where the
 * leadership and the VIP go and whether quorum survives. A pgpool parent killed with -9 leaves its children
 * running (still accepting clients, keeping the port and, on the leader, the VIP): every plan stops such
 * orphans first. Recover restarts with -D, which discards the pgpool_status file (the backend states pgpool
 * remembered), per pgpool's docs.
 */
import * as path from 'node:path';
import { parseConf } from '../../conf/parser';
import type { ClusterDefinition, PgpoolInstance } from '../../inventory/model';
import type { ClusterStatus } from '../../status/model';
import { readIfExists } from '../setup/configurePgpoolDiscovery';
import type { OpsEnvironment } from '../engine/environment';
import type { Check, Plan, PlanResult, PlanStep } from '../engine/plan';
import { refuse } from '../engine/plan';
import { pgpoolParentlessLoop } from '../../remote/pgpoolProcScan';

export type PgpoolNodeAction = 'start' | 'stop' | 'recover';
export const PGPOOL_NODE_ACTIONS: readonly PgpoolNodeAction[] = ['start', 'stop', 'recover'];

/**
 * Exit 0 when a pgpool main process runs: comm `pgpool`, parent not `pgpool`, and its command line not a child's
 * process title (`pgpool: wait for connection request`, ...), which a killed parent's orphans keep.
 */
export const MAIN_RUNNING_SCRIPT = `${pgpoolParentlessLoop(`a=$(tr '\\000' '\\n' < "$d/cmdline" 2>/dev/null | head -n 1)
case "$a" in pgpool:*) continue ;; esac
exit 0`)}
exit 1
`;

/** Stops pgpool processes whose parent is gone (TERM, then KILL after 3 s) and prints their pids and titles. */
export const STOP_ORPHANS_SCRIPT = `orphans() {
${pgpoolParentlessLoop(`a=$(tr '\\000' ' ' < "$d/cmdline" 2>/dev/null)
case "$a" in pgpool:*) printf '%s %s\\n' "\${d#/proc/}" "$a" ;; esac`, '  ')}
}
list=$(orphans)
[ -n "$list" ] || { echo 'no orphaned pgpool processes'; exit 0; }
printf 'orphaned pgpool processes (their parent was killed):\\n%s\\n' "$list"
kill -TERM $(printf '%s\\n' "$list" | cut -d' ' -f1) 2>/dev/null
i=0; while [ $i -lt 30 ] && [ -n "$(orphans)" ]; do sleep 0.1; i=$((i+1)); done
left=$(orphans | cut -d' ' -f1)
[ -z "$left" ] || kill -KILL $left 2>/dev/null
exit 0
`;

/** Starts pgpool in the background with its output appended to a log file: $1 program, $2 conf, $3 pcp.conf, $4 pool_hba.conf, $5 log, $6 -D or nothing. */
export const START_SCRIPT = `prog=$1 conf=$2 pcp=$3 hba=$4 log=$5; shift 5
nohup "$prog" -n "$@" -f "$conf" -F "$pcp" -a "$hba" >>"$log" 2>&1 </dev/null &
exit 0
`;

/** What the plan needs from the pgpool.conf on the host (read there; absent settings take pgpool's defaults). */
export interface PgpoolNodeFacts {
  readonly logDir?: string;
}

export async function probePgpoolNodeFacts(cluster: ClusterDefinition, env: OpsEnvironment, name: string, signal?: AbortSignal): Promise<PgpoolNodeFacts> {
  const inst = cluster.pgpool.find((p) => p.name === name);
  if (!inst) return {};
  try {
    const text = await readIfExists(env, inst.name, confPathOf(inst), signal);
    if (text === undefined) return {};
    const values = new Map(parseConf(text, 'pgpool').entries.filter((e) => e.kind === 'setting').map((e) => [e.name, e.value]));
    const logDir = values.get('work_dir') ?? values.get('logdir');
    return logDir ? { logDir } : {};
  } catch {
    return {};
  }
}

const confPathOf = (p: PgpoolInstance): string => p.configFile ?? '/etc/pgpool2/pgpool.conf';
const list = (names: readonly string[]): string => (names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`);

/** Where leadership and the VIP go when `name` stops, and whether the rest keep quorum (from the last status). */
export function stopConsequences(cluster: ClusterDefinition, status: ClusterStatus, name: string): string[] {
  const w = status.watchdog;
  if (!w) return [];
  const notes: string[] = [];
  const inst = (n: string) => status.pgpoolInstances.find((p) => p.name === n);
  const role = inst(name)?.watchdog?.role;
  const alive = cluster.pgpool.filter((p) => p.name !== name && ['LEADER', 'STANDBY'].includes(inst(p.name)?.watchdog?.role ?? ''));
  const total = cluster.pgpool.length;
  const quorumAfter = alive.length * 2 > total;
  const halfOnly = alive.length * 2 === total;
  if (role === 'LEADER' || w.leader === name) {
    const next = [...alive].sort((a, b) => (inst(b.name)?.watchdog?.priority ?? 0) - (inst(a.name)?.watchdog?.priority ?? 0))[0];
    if (!next) {
      notes.push(`${name} is the watchdog leader and no other pgpool node is alive: nobody will lead, and the VIP${w.vip ? ` ${w.vip}` : ''} goes down with it.`);
    } else if (quorumAfter || halfOnly) {
      notes.push(`${name} is the watchdog leader: the ${alive.length} remaining pgpool node(s) (${list(alive.map((p) => p.name))}) elect a new one, most likely ${next.name} (highest wd_priority, ${inst(next.name)?.watchdog?.priority ?? '?'}), which then brings up the VIP${w.vip ? ` ${w.vip}` : ''}${halfOnly ? ' (exactly half remain: only with enable_consensus_with_half_votes = on)' : ''}. Clients through the VIP reconnect once; with the measured timings that takes several seconds.`);
    } else {
      notes.push(`${name} is the watchdog leader, and without it ${alive.length} of ${total} pgpool nodes remain: no quorum, so no new leader takes the VIP${w.vip ? ` ${w.vip}` : ''} and failover of a backend is refused until a pgpool node comes back.`);
    }
  } else if (role === 'STANDBY') {
    notes.push(`${name} is a watchdog standby: the leader (${w.leader ?? 'none'}) keeps the VIP. ${quorumAfter ? `Quorum holds with ${alive.length} of ${total}.` : halfOnly ? `Exactly half remain (${alive.length} of ${total}): quorum holds only with enable_consensus_with_half_votes = on.` : `Only ${alive.length} of ${total} remain: the watchdog loses quorum (failover refused, the VIP released).`}`);
  }
  if (inst(name)?.watchdog?.holdsVip && w.leader !== name) notes.push(`${name} holds the VIP although it does not lead: a clean stop runs if_down_cmd and removes it.`);
  return notes;
}

export function buildPgpoolNodePlan(action: PgpoolNodeAction, cluster: ClusterDefinition, status: ClusterStatus | undefined, name: string, facts: PgpoolNodeFacts = {}): PlanResult {
  const inst = cluster.pgpool.find((p) => p.name === name);
  if (!inst) return refuse(`Cluster ${cluster.name} has no pgpool node named "${name}"; its pgpool nodes are ${cluster.pgpool.map((p) => p.name).join(', ') || 'none'}.`);
  const conf = confPathOf(inst);
  const dir = path.posix.dirname(conf);
  const program = inst.binDir ? path.posix.join(inst.binDir, 'pgpool') : 'pgpool';
  const log = path.posix.join(facts.logDir ?? '/tmp', 'pgpool.log');
  const mainRunning = ['sh', '-c', MAIN_RUNNING_SCRIPT];
  const running: Check = { kind: 'ssh-exit', host: name, argv: mainRunning, exitCodes: [0], describe: `a pgpool main process runs on ${name}` };
  const stopped: Check = { kind: 'ssh-exit', host: name, argv: mainRunning, exitCodes: [1], describe: `no pgpool main process runs on ${name}` };
  const answers: Check = { kind: 'sql-true', node: name, sql: 'SELECT true', waitMs: 30_000, describe: `pgpool ${name} answers on ${inst.host}:${inst.port}` };

  const stopStep: PlanStep = {
    id: 'stop', title: `Stop pgpool on ${name}`, why: 'A fast stop ends client sessions, runs if_down_cmd (the VIP leaves this host) and tells the other watchdog nodes it is shutting down.',
    action: { kind: 'ssh', host: name, argv: [program, '-f', conf, '-m', 'fast', 'stop'], timeoutMs: 60_000 },
    destructive: true, skipIf: stopped, check: { ...stopped, waitMs: 20_000 },
    onFailure: `pgpool on ${name} may still run: see its log (${log}) and stop it by hand (kill -INT of its main process).`,
  };
  const orphanStep: PlanStep = {
    id: 'stop-orphans', title: `Stop orphaned pgpool children on ${name}`,
    why: 'A pgpool parent killed with -9 leaves its children running: they still accept clients and hold the port, so a new pgpool cannot start. Only pgpool processes without a pgpool parent are stopped.',
    action: { kind: 'ssh', host: name, argv: ['sh', '-c', STOP_ORPHANS_SCRIPT], timeoutMs: 20_000 }, destructive: true,
    onFailure: `List them on ${name} with "ps -eo pid,ppid,args | grep pgpool:" and stop them by hand.`,
  };
  const startStep = (discard: boolean): PlanStep => ({
    id: 'start', title: `Start pgpool on ${name}${discard ? ' discarding its saved backend states (-D)' : ''}`,
    why: discard ? 'pgpool -D ignores the pgpool_status file, so a node that lost or garbled its state rejoins with the backends as they are now (pgpool\'s documented recovery).'
      : 'It rejoins the watchdog as a standby (or leads if it is alone with quorum) and takes the backend states the others report.',
    action: { kind: 'ssh', host: name, argv: ['sh', '-c', START_SCRIPT, 'pgpool-start', program, conf, path.posix.join(dir, 'pcp.conf'), path.posix.join(dir, 'pool_hba.conf'), log, ...(discard ? ['-D'] : [])], timeoutMs: 20_000 },
    destructive: false, ...(discard ? {} : { skipIf: running }), check: answers,
    onFailure: `pgpool did not come up on ${name}: read ${log} there (a port still in use, the pgpool_node_id file, the key file for pool_passwd).`,
  });

  const warnings: string[] = [];
  if (status && action !== 'start') warnings.push(...stopConsequences(cluster, status, name));
  if (status?.watchdog && action === 'start') {
    const w = status.watchdog;
    warnings.push(`${name} joins the watchdog${w.leader ? ` led by ${w.leader}` : ''}; it becomes leader only if none leads (pgpool does not hand leadership back by priority).`);
  }
  const steps = action === 'start' ? [orphanStep, startStep(false)] : action === 'stop' ? [stopStep, orphanStep] : [stopStep, orphanStep, startStep(true)];
  const plan: Plan = {
    operation: `pgpool-${action}`, cluster: cluster.name, node: name,
    summary: action === 'start' ? `Start pgpool ${name} (${inst.host}:${inst.port}).`
      : action === 'stop' ? `Stop pgpool ${name} (${inst.host}:${inst.port}).`
        : `Recover pgpool ${name}: stop it (and any orphaned children), then start it with -D so it discards its saved backend states.`,
    steps, warnings, destructive: action !== 'start',
    verify: action === 'stop' ? [stopped] : [answers],
    versions: { postgres: cluster.postgresVersion ?? '?', pgpool: cluster.pgpoolVersion ?? status?.pgpool.version ?? '?' },
  };
  return { ok: true, plan };
}
