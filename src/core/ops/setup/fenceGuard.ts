/**
 * The fence guard: a small script on each PostgreSQL host, run as the database OS user, that stops its own server
 * when it is a primary nobody should write to any more (pg_auto_failover's self-demotion, pgpool's docs' "stop the
 * old primary"). Every tick, when this node is out of recovery:
 * - a pgpool answers and says this node is down or not its primary while another node is its primary: stop now;
 * - no pgpool answers and no standby has replied to this node for longer than a bound shorter than pgpool's own
 *   failover detection: stop (it is cut off; pgpool is about to promote another node, or has);
 * - pgpool merely down with standbys streaming, or pgpool naming no other primary: keep running.
 * A node promoted within the last PROMOTE_GRACE_S seconds never stops: pgpool learns of a promotion only after its
 * failover script returns (it may not answer meanwhile), and the standbys follow the new primary only after that. The script is generated in fenceGuardScript.ts, its embedded values through
 * the one quoting helper; it reads only host paths and the host user's ~/.pgpass.
 */
import type { ClusterDefinition, NodeDefinition } from '../../inventory/model';
import { nodeStatus, resolveVersions, type OpsInput } from '../engine/input';
import { refuse, type PlanResult, type PlanStep } from '../engine/plan';
import { GUARD_UNIT_NAME, guardPaths, guardTiming, type HealthCheckSettings } from './fenceGuardFacts';
import { guardScript, guardUnit } from './fenceGuardScript';

/**
 * Starts (or restarts) the guard: systemd when the host runs it and sudo needs no password, else detached with
 * setsid (it then does not survive a reboot; the output says so). Arguments: script, log, pid file, unit file.
 */
export const GUARD_START_SCRIPT = `script=$1 log=$2 pidfile=$3 unitfile=$4 unit=${GUARD_UNIT_NAME}
if [ -d /run/systemd/system ] && sudo -n true 2>/dev/null; then
  if sudo -n install -m 0644 "$unitfile" "/etc/systemd/system/$unit" && sudo -n systemctl daemon-reload && sudo -n systemctl enable "$unit" >/dev/null 2>&1 && sudo -n systemctl restart "$unit"; then
    echo "started by systemd ($unit, enabled at boot)"; exit 0
  fi
  echo "could not install the systemd unit; starting the guard detached" >&2
fi
pid=$(cat "$pidfile" 2>/dev/null)
if [ -n "$pid" ] && tr '\\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$script"; then kill "$pid" 2>/dev/null; sleep 0.3; fi
setsid nohup /bin/bash "$script" run >>"$log" 2>&1 < /dev/null &
sleep 0.5
pid=$(cat "$pidfile" 2>/dev/null)
[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || { echo "the guard did not start; see $log" >&2; exit 1; }
echo "started detached (pid $pid); it does not survive a reboot: without systemd, start '$script run' as this user at boot (e.g. @reboot in crontab)"`;

/** Stops the guard (systemd unit or the pid file's process, after checking its command line) and removes its files. */
export const GUARD_REMOVE_SCRIPT = `script=$1 pidfile=$2 unit=${GUARD_UNIT_NAME}
if [ -f "/etc/systemd/system/$unit" ] && sudo -n true 2>/dev/null; then
  sudo -n systemctl disable --now "$unit" >/dev/null 2>&1; sudo -n rm -f "/etc/systemd/system/$unit"; sudo -n systemctl daemon-reload
fi
pid=$(cat "$pidfile" 2>/dev/null)
if [ -n "$pid" ] && tr '\\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$script"; then kill "$pid"; fi
rm -f -- "$script" "$script.service" "$pidfile" "$pidfile.lock"
echo removed`;

/** Prints one line: "running PID systemd|detached", "installed, not running" or "not installed"; then the log's last lines. */
export const GUARD_STATUS_SCRIPT = `script=$1 pidfile=$2 log=$3
[ -f "$script" ] || { echo "not installed"; exit 0; }
how=detached
systemctl is-active --quiet ${GUARD_UNIT_NAME} 2>/dev/null && how=systemd
pid=$(cat "$pidfile" 2>/dev/null)
if [ -n "$pid" ] && tr '\\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$script"; then echo "running $pid $how"; else echo "installed, not running"; fi
tail -n 3 "$log" 2>/dev/null || true`;

export type GuardState = { readonly state: 'running'; readonly pid: number; readonly how: 'systemd' | 'detached' } | { readonly state: 'stopped' | 'absent' };

/** GUARD_STATUS_SCRIPT's first line. */
export function parseGuardStatus(out: string): { state: GuardState; log: string[] } {
  const [first = '', ...rest] = out.trim().split('\n');
  const m = /^running (\d+) (systemd|detached)$/.exec(first.trim());
  const state: GuardState = m ? { state: 'running', pid: Number(m[1]), how: m[2] as 'systemd' | 'detached' }
    : first.startsWith('installed') ? { state: 'stopped' } : { state: 'absent' };
  return { state, log: rest.filter((l) => l.trim() !== '') };
}

export function describeGuardState(s: GuardState): string {
  switch (s.state) {
    case 'running': return `running (pid ${s.pid}, ${s.how === 'systemd' ? `systemd unit ${GUARD_UNIT_NAME}` : 'started detached: not restarted after a reboot'})`;
    case 'stopped': return 'installed but not running (run "pgpool-cluster guard install" again)';
    case 'absent': return 'not installed';
  }
}

/** The database OS user the guard runs as: the sudo user, else the SSH user, else postgres. */
export function guardOsUser(cluster: ClusterDefinition, node: NodeDefinition): string {
  const ssh = { ...cluster.ssh, ...node.ssh };
  const u = ssh.sudoUser ?? ssh.user;
  return u && u !== 'root' ? u : 'postgres';
}

export function guardStatusArgv(node: NodeDefinition): string[] {
  const p = guardPaths(node);
  return ['bash', '-c', GUARD_STATUS_SCRIPT, '_', p.script, p.pid, p.log];
}

/** Install: write the script and its unit on every node with a data directory, then start it there. */
export function buildGuardInstallPlan(input: OpsInput, hc: HealthCheckSettings | undefined, onlyNode?: NodeDefinition): PlanResult {
  const { cluster, status } = input;
  const nodes = onlyNode ? [onlyNode] : cluster.nodes;
  const missing = nodes.filter((n) => !n.dataDirectory);
  if (missing.length > 0) return refuse(`${missing.map((n) => n.name).join(', ')} ha${missing.length === 1 ? 's' : 've'} no dataDirectory in the cluster file; the guard stops the server with pg_ctl -D and lives beside the data directory. Set it and re-run.`);
  if (cluster.pgpool.length === 0) return refuse('The cluster file names no pgpool: the guard asks pgpool whether this node is still its primary.');
  const v = resolveVersions(cluster, status);
  const major = Number(v.postgres.split('.')[0]);
  const timing = guardTiming(hc);
  const warnings: string[] = [];
  if (!hc) warnings.push(`pgpool's health-check settings could not be read (SHOW pool_status through pgpool): the bound is ${timing.boundS} s. Re-run when pgpool answers to derive it.`);
  if (major < 12) warnings.push(`PostgreSQL ${v.postgres} has no pg_stat_replication.reply_time: a standby counts as streaming while its connection lasts (up to wal_sender_timeout after it is cut off), so self-demotion comes that much later.`);
  const dbUser = cluster.database.user ?? 'postgres';
  const steps: PlanStep[] = [];
  for (const node of nodes) {
    const p = guardPaths(node);
    const osUser = guardOsUser(cluster, node);
    const peers = cluster.nodes.filter((n) => n !== node).map((n) => ({ name: n.name, host: n.host, port: n.port }));
    const script = guardScript({ node, peers, pgpools: cluster.pgpool.map((x) => ({ host: x.host, port: x.port })), dbUser, postgresMajor: major, pgpoolVersion: v.pgpool, timing, dir: p.dir });
    steps.push({
      id: `guard-write-${node.name}`, title: `Write the fence guard for ${node.name} (${p.script})`, destructive: false,
      why: `Runs on ${node.name}'s host as ${osUser}; it asks ${cluster.pgpool.map((x) => `${x.host}:${x.port}`).join(', ')} as ${dbUser} with that user's ~/.pgpass there.`,
      action: { kind: 'write-file', host: node.name, path: p.script, content: script, mode: 0o750 },
      onFailure: `Nothing runs yet on ${node.name}; check that ${p.dir} exists and is writable by the SSH user, then re-run.`,
    });
    steps.push({
      id: `guard-unit-${node.name}`, title: `Write its systemd unit beside it (${p.unit})`, destructive: false,
      why: 'Installed into /etc/systemd/system by the next step when the host runs systemd and sudo needs no password; otherwise kept for you to install.',
      action: { kind: 'write-file', host: node.name, path: p.unit, content: guardUnit(node, osUser), mode: 0o644 },
      onFailure: `The guard script is on ${node.name} but not started.`,
    });
    steps.push({
      id: `guard-start-${node.name}`, title: `Start the fence guard on ${node.name}`, destructive: false,
      why: 'systemd keeps it running and starts it at boot; without systemd it is started detached (the output says what to add for reboots).',
      action: { kind: 'ssh', host: node.name, argv: ['bash', '-c', GUARD_START_SCRIPT, '_', p.script, p.log, p.pid, p.unit], timeoutMs: 30_000 },
      check: { kind: 'ssh-exit', host: node.name, argv: ['bash', '-c', 'pid=$(cat "$1" 2>/dev/null) && kill -0 "$pid"', '_', p.pid], exitCodes: [0], waitMs: 5000, describe: `the guard runs on ${node.name}` },
      onFailure: `The guard is written on ${node.name} but does not run; see ${p.log} there.`,
    });
    if (nodeStatus(status, node)?.postgres.reachable === false) warnings.push(`${node.name} does not answer as PostgreSQL now; its guard starts anyway and acts once the server runs.`);
  }
  return {
    ok: true,
    plan: {
      operation: 'guard-install', cluster: cluster.name, node: onlyNode?.name ?? 'all nodes', destructive: false, versions: v, warnings, steps, verify: [],
      summary: `Install the fence guard on ${nodes.map((n) => n.name).join(', ')}: every ${timing.tickS} s, a primary that pgpool has failed over away from stops itself `
        + `(pg_ctl stop -m immediate: what it writes then is lost anyway, and a clean stop would hand its standbys a checkpoint the new primary lacks), and so does one cut off from pgpool and every standby for ${timing.boundS} s. ${timing.explanation}.`,
    },
  };
}

export function buildGuardRemovePlan(input: OpsInput, onlyNode?: NodeDefinition): PlanResult {
  const { cluster, status } = input;
  const nodes = (onlyNode ? [onlyNode] : cluster.nodes).filter((n) => n.dataDirectory);
  if (nodes.length === 0) return refuse('No node has a dataDirectory in the cluster file: the guard lives beside it, so there is nothing to remove.');
  const steps: PlanStep[] = nodes.map((node) => {
    const p = guardPaths(node);
    return {
      id: `guard-remove-${node.name}`, title: `Stop and remove the fence guard on ${node.name}`, destructive: false,
      why: 'Stops the guard (its systemd unit, or the process in its pid file) and removes its script, unit and pid file; the log stays.',
      action: { kind: 'ssh', host: node.name, argv: ['bash', '-c', GUARD_REMOVE_SCRIPT, '_', p.script, p.pid], timeoutMs: 30_000 },
      check: { kind: 'ssh-exit', host: node.name, argv: ['test', '!', '-e', p.script], exitCodes: [0], describe: `no guard script on ${node.name}` },
      onFailure: `The guard on ${node.name} may still run; stop it there (kill the pid in ${p.pid}) and delete ${p.script}.`,
    };
  });
  return {
    ok: true,
    plan: {
      operation: 'guard-remove', cluster: cluster.name, node: onlyNode?.name ?? 'all nodes', destructive: false, versions: resolveVersions(cluster, status),
      warnings: [], steps, verify: [], summary: `Remove the fence guard from ${nodes.map((n) => n.name).join(', ')}: no server stops itself any more.`,
    },
  };
}
