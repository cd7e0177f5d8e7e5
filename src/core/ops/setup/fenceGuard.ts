/**
 * The fence guard: a small script on each PostgreSQL host, run as the database OS user, that stops its own server
 * when it is a primary nobody should write to any more (pg_auto_failover's self-demotion, pgpool's docs' "stop the
 * old primary"). Every tick, when this node is out of recovery:
 * - a pgpool answers and says this node is down or not its primary while another node is its primary: stop now;
 * - no pgpool answers and no standby has replied to this node for longer than a bound shorter than pgpool's own
 *   failover detection: stop (it is cut off; pgpool is about to promote another node, or has);
 * - pgpool merely down with standbys streaming, or pgpool naming no other primary: keep running.
 * A node promoted within the last PROMOTE_GRACE_S seconds never stops: pgpool learns of a promotion only after its
 * failover script returns (it may not answer meanwhile), and the standbys follow the new primary only after that. The script is generated here, its embedded values through
 * the one quoting helper; it reads only host paths and the host user's ~/.pgpass.
 */
import path from 'node:path';
import type { ClusterDefinition, NodeDefinition } from '../../inventory/model';
import { hostPassFile } from '../../inventory/hostPath';
import { shellQuote as q } from '../../remote/shellQuote';
import { nodeStatus, resolveVersions, type OpsInput } from '../engine/input';
import { bin, dataDir } from '../engine/pgCommands';
import { refuse, type PlanResult, type PlanStep } from '../engine/plan';

/** pgpool's health-check settings (pgpool.conf names), the ones that decide how fast it declares a backend down. */
export interface HealthCheckSettings {
  readonly period: number; // health_check_period, s
  readonly timeout: number; // health_check_timeout, s
  readonly maxRetries: number; // health_check_max_retries
  readonly retryDelay: number; // health_check_retry_delay, s
  readonly connectTimeoutMs: number; // connect_timeout, ms
}

export interface GuardTiming {
  /** Seconds between two looks. */
  readonly tickS: number;
  /** Fastest pgpool can declare a silent primary down: every attempt timing out back to back (s); Infinity without health checks. */
  readonly detectionS: number;
  /** How long the guard tolerates "no pgpool and no standby" before it stops its server (s). */
  readonly boundS: number;
  /** A standby "streams" when it replied within this many seconds. */
  readonly freshS: number;
  /** How the bound was derived, in words (plans and `guard status` show it). */
  readonly explanation: string;
}

export const GUARD_TICK_S = 1;
/** A standby's reply counts as fresh this long; the guard writes a tiny WAL record first so that a live one replies. */
export const GUARD_FRESH_S = 2;
/** Without health checks pgpool detects nothing by itself: the guard then waits this long. */
export const GUARD_BOUND_NO_HEALTH_CHECK_S = 10;
/** A node promoted this recently never stops for pgpool's view (pgpool names a new primary after its failover script). */
export const PROMOTE_GRACE_S = 60;
/** The prefix of every line the guard logs, and of the WARNING it leaves in the server's log before a stop (history). */
export const GUARD_LOG_PREFIX = 'pgpool-cluster fence guard';
export const GUARD_SCRIPT_NAME = 'pgpool-cluster-fence-guard.sh';
export const GUARD_UNIT_NAME = 'pgpool-cluster-fence-guard.service';

/**
 * The bound from pgpool's health check: pgpool's fastest detection of a primary whose packets vanish is every
 * attempt timing out back to back (the failure just before a check): (retries + 1) x min(connect_timeout,
 * health_check_timeout) + retries x retry_delay. The guard stops within half of that, never under one tick.
 */
export function guardTiming(hc: HealthCheckSettings | undefined): GuardTiming {
  const tickS = GUARD_TICK_S;
  if (!hc) {
    return { tickS, detectionS: NaN, boundS: GUARD_BOUND_NO_HEALTH_CHECK_S, freshS: GUARD_FRESH_S,
      explanation: `pgpool's health-check settings are unknown: bound ${GUARD_BOUND_NO_HEALTH_CHECK_S} s` };
  }
  if (hc.period <= 0) {
    return { tickS, detectionS: Infinity, boundS: GUARD_BOUND_NO_HEALTH_CHECK_S, freshS: GUARD_FRESH_S,
      explanation: `health_check_period = 0: pgpool fails over only on a client's connection error; bound ${GUARD_BOUND_NO_HEALTH_CHECK_S} s` };
  }
  const limits = [hc.connectTimeoutMs > 0 ? hc.connectTimeoutMs / 1000 : Infinity, hc.timeout > 0 ? hc.timeout : Infinity];
  const attempt = Math.min(...limits);
  const attemptS = Number.isFinite(attempt) ? attempt : 10; // neither bounded: the kernel's connect timeout, far above this
  const detectionS = (hc.maxRetries + 1) * attemptS + hc.maxRetries * hc.retryDelay;
  const boundS = Math.max(tickS, Math.floor(detectionS / 2));
  const shorter = boundS < detectionS ? 'half of that' : 'one tick, the floor: with these settings not shorter than pgpool\'s detection';
  return {
    tickS, detectionS, boundS, freshS: GUARD_FRESH_S,
    explanation: `pgpool declares a silent primary down after at least ${detectionS} s ((health_check_max_retries ${hc.maxRetries} + 1) x ${attemptS} s per attempt`
      + ` + ${hc.maxRetries} x health_check_retry_delay ${hc.retryDelay} s); the guard stops after ${boundS} s without pgpool and without a standby reply (${shorter})`
      + `, a standby counting as streaming when it replied within ${GUARD_FRESH_S} s`,
  };
}

/** Reads pgpool's `SHOW pool_status` rows (item, value) into health-check settings; undefined when one is missing. */
export function healthCheckFromPoolStatus(rows: ReadonlyArray<Record<string, unknown>>): HealthCheckSettings | undefined {
  const value = (item: string): number | undefined => {
    const row = rows.find((r) => String(r.item ?? '') === item);
    const n = Number(String(row?.value ?? '').trim());
    return row && Number.isFinite(n) ? n : undefined;
  };
  const period = value('health_check_period');
  if (period === undefined) return undefined;
  return {
    period, timeout: value('health_check_timeout') ?? 20, maxRetries: value('health_check_max_retries') ?? 0,
    retryDelay: value('health_check_retry_delay') ?? 1, connectTimeoutMs: value('connect_timeout') ?? 10_000,
  };
}

export interface GuardScriptInput {
  readonly node: NodeDefinition;
  /** The cluster's other nodes, asked for a newer primary when pgpool cannot be. */
  readonly peers: ReadonlyArray<{ readonly name: string; readonly host: string; readonly port: number }>;
  readonly pgpools: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  /** The role the guard logs in as, locally and through pgpool (its host's ~/.pgpass has the password). */
  readonly dbUser: string;
  readonly postgresMajor: number;
  readonly pgpoolVersion: string;
  readonly timing: GuardTiming;
  /** Where the script, its log, pid and lock live on the host. */
  readonly dir: string;
}

/** The guard's files on a node's host: beside the data directory, never inside it (a base backup would copy it). */
export function guardPaths(node: NodeDefinition): { dir: string; script: string; log: string; pid: string; unit: string } {
  const dir = path.posix.dirname(dataDir(node).replace(/\/+$/, ''));
  const script = path.posix.join(dir, GUARD_SCRIPT_NAME);
  return { dir, script, log: script.replace(/\.sh$/, '.log'), pid: script.replace(/\.sh$/, '.pid'), unit: `${script}.service` };
}

/** pgpool 4.1+ answers SHOW pool_health_check_stats from memory; 4.3's SHOW pool_nodes would connect to every backend. */
function pgpoolQuery(version: string): string {
  const [maj, min] = version.split('.').map((x) => Number(x));
  return (maj ?? 0) > 4 || ((maj ?? 0) === 4 && (min ?? 0) >= 1) ? 'SHOW pool_health_check_stats' : 'SHOW pool_nodes';
}

/** "t" in recovery, else "f|TIMELINE" (the timeline of the current WAL position: a promotion starts a new one). */
function timelineSql(pgMajor: number): string {
  const [fileName, lsn] = pgMajor >= 10 ? ['pg_walfile_name', 'pg_current_wal_lsn'] : ['pg_xlogfile_name', 'pg_current_xlog_location'];
  return `SELECT CASE WHEN pg_is_in_recovery() THEN 't' ELSE 'f|' || ('x' || substr(${fileName}(${lsn}()), 1, 8))::bit(32)::int END`;
}

/** The guard script for one node. */
export function guardScript(input: GuardScriptInput): string {
  const { node, timing } = input;
  const pass = hostPassFile(node.pgpassFile, '.pgpass');
  const passLine = pass.kind === 'absolute' ? `export PGPASSFILE=${q(pass.path)}`
    : pass.kind === 'home' ? `export PGPASSFILE="$HOME/"${q(pass.relative)}` : '# ~/.pgpass of this user';
  const freshSql = input.postgresMajor >= 12
    ? `(SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND reply_time > clock_timestamp() - interval '${timing.freshS} seconds')`
    : "(SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming')";
  const nudge = input.postgresMajor >= 10 ? "SELECT pg_logical_emit_message(false, 'pgpool-cluster-fence-guard', '')" : '';
  const paths = guardPaths(node);
  return `#!/bin/bash
# ${GUARD_LOG_PREFIX} for ${node.name} (pgpool backend ${node.id}). Generated by pgpool-cluster; "pgpool-cluster guard remove" removes it.
# Stops this PostgreSQL server when it is a primary that pgpool has failed over away from, or that is cut off from
# pgpool and from every standby for ${timing.boundS} s, or that sees another node as a primary on a newer timeline while
# pgpool cannot say otherwise. Usage: $0 run | once | view | decide VIEW FRESH SILENT_MS RECENT_PROMOTE [NEWER]
# Bound: ${timing.explanation}.
set -o nounset -o pipefail
NODE_ID=${node.id}
NODE_NAME=${q(node.name)}
NODE_HOST=${q(node.host)}
NODE_PORT=${node.port}
DATA=${q(dataDir(node))}
PG_CTL=${q(bin(node, 'pg_ctl'))}
PSQL=${q(bin(node, 'psql'))}
DB_USER=${q(input.dbUser)}
PGPOOLS=(${input.pgpools.map((p) => q(`${p.host}:${p.port}`)).join(' ')})
PGPOOL_QUERY=${q(pgpoolQuery(input.pgpoolVersion))}
TICK_S=${timing.tickS}
BOUND_MS=${timing.boundS * 1000}
PROMOTE_GRACE_MS=${PROMOTE_GRACE_S * 1000}
PIDFILE=${q(paths.pid)}
${passLine}
export PGCONNECT_TIMEOUT=2 PGAPPNAME=pgpool-cluster-fence-guard
export PATH="/usr/local/bin:/usr/bin:/bin:$PATH"

log() { printf '%s ${GUARD_LOG_PREFIX} %s: %s\\n' "$(date '+%F %T')" "$NODE_NAME" "$*"; }
now_ms() { date +%s%3N; }
local_sql() { timeout 3 "$PSQL" -X -q -At -h "$NODE_HOST" -p "$NODE_PORT" -U "$DB_USER" -d postgres "$@" 2>/dev/null; }

# The other nodes as "name|host|port": asked, all at once, whether one is a primary on a newer timeline.
PEERS=(${input.peers.map((p) => q(`${p.name}|${p.host}|${p.port}`)).join(' ')})
TIMELINE_SQL=${q(timelineSql(input.postgresMajor))}
newer_primary() {
  local own dir i name host port line best='' best_tl
  own=$(local_sql -c "$TIMELINE_SQL") || return 0
  own=\${own#f|}; best_tl=$own
  dir=$(mktemp -d) || return 0
  for i in "\${!PEERS[@]}"; do
    IFS='|' read -r name host port <<< "\${PEERS[$i]}"
    timeout 3 "$PSQL" -X -q -At -h "$host" -p "$port" -U "$DB_USER" -d postgres -c "$TIMELINE_SQL" > "$dir/$i" 2>/dev/null &
  done
  wait
  for i in "\${!PEERS[@]}"; do
    IFS='|' read -r name host port <<< "\${PEERS[$i]}"
    line=$(cat "$dir/$i" 2>/dev/null)
    case "$line" in 'f|'*) [ "\${line#f|}" -gt "$best_tl" ] && { best="$name \${line#f|}"; best_tl=\${line#f|}; } ;; esac
  done
  rm -rf -- "$dir"
  echo "$best"
}

# pgpool's table (header first, '|' between cells) -> "VERDICT|STATUS|ROLE|PRIMARY": primary (this node is pgpool's
# primary), demoted (down or not primary, another node up as primary), unsure (anything else).
parse_view() {
  awk -F'|' -v id="$NODE_ID" '
    NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    !("node_id" in c) || !("status" in c) || !("role" in c) { next }
    $c["node_id"] == id { st = $c["status"]; ro = $c["role"]; next }
    ($c["role"] == "primary" || $c["role"] == "master") && ($c["status"] == "up" || $c["status"] == "waiting") { other = $c["node_id"] }
    END {
      v = "unsure"
      if ((st == "up" || st == "waiting") && (ro == "primary" || ro == "master")) v = "primary"
      else if (other != "" && (st == "down" || st == "unused" || st == "up" || st == "waiting")) v = "demoted"
      printf "%s|%s|%s|%s\\n", v, st, ro, other
    }'
}

# The first pgpool that answers: "VERDICT|STATUS|ROLE|PRIMARY|ENDPOINT", or "none".
pgpool_view() {
  local ep out
  for ep in "\${PGPOOLS[@]}"; do
    out=$(timeout 3 "$PSQL" -X -q -A -F '|' -P footer=off -h "\${ep%:*}" -p "\${ep##*:}" -U "$DB_USER" -d postgres -c "$PGPOOL_QUERY" 2>/dev/null) || continue
    [ -n "$out" ] || continue
    printf '%s|%s\\n' "$(printf '%s\\n' "$out" | parse_view)" "$ep"
    return 0
  done
  echo none
}

# The decision, from what was seen: VIEW (pgpool_view's verdict), FRESH (standbys that replied lately),
# SILENT_MS (since pgpool or a standby last answered), RECENT_PROMOTE (1 when this node left recovery lately),
# NEWER ("NODE TIMELINE" of another node that is a primary on a newer timeline than this one, or empty).
# Prints "stop REASON" or "keep REASON".
decide() {
  local view=$1 fresh=$2 silent=$3 recent=$4 newer=\${5:-}
  if [ -n "$newer" ] && [ "$view" != primary ] && [ "$recent" != 1 ]; then
    echo "stop node \${newer% *} is a primary on a newer timeline (\${newer#* }) and pgpool does not have this node as its primary"; return 0
  fi
  case "$view" in
    primary) echo "keep pgpool has this node as its primary" ;;
    demoted)
      if [ "$recent" = 1 ]; then echo "keep promoted lately; pgpool has not caught up yet"
      else echo "stop pgpool has failed over away from this node"; fi ;;
    none)
      if [ "$fresh" -gt 0 ]; then echo "keep no pgpool answers but $fresh standby(s) stream from this node"
      elif [ "$recent" = 1 ]; then echo "keep promoted lately: pgpool may still be failing over and the standbys not following yet"
      elif [ "$silent" -gt "$BOUND_MS" ]; then echo "stop no pgpool answered and no standby replied for $silent ms (bound $BOUND_MS ms): this node is cut off"
      else echo "keep no pgpool and no standby for $silent ms (bound $BOUND_MS ms)"; fi ;;
    *) echo "keep pgpool names no other primary" ;;
  esac
}

# Leaves the reason in the server's own log (where the history reads it), then stops it at once (immediate): what
# it writes now is lost anyway, and a clean stop would send the standbys still streaming from it a shutdown
# checkpoint the new primary does not have, so that they could not follow it without a rewind.
stop_server() {
  local why="${GUARD_LOG_PREFIX}: stopping $NODE_NAME: $1"
  log "stopping: $1"
  printf '%s\\n' "SET pgpool_cluster.fence_guard_reason = :'why';" \\
    "DO \\$g\\$ BEGIN RAISE WARNING '%', current_setting('pgpool_cluster.fence_guard_reason'); END \\$g\\$;" | local_sql -v why="$why" >/dev/null || true
  "$PG_CTL" -D "$DATA" -m immediate -w -t 10 stop >/dev/null 2>&1 && log "stopped (immediate)" || log "pg_ctl stop failed; trying again next tick"
}

LAST_CONTACT=$(now_ms)
LAST_IN_RECOVERY=0
LAST_SAID=
tick() {
  local now state rec fresh view verdict v newer recent=0
  now=$(now_ms)
  state=$(local_sql -c "SELECT pg_is_in_recovery(), ${freshSql}") || { LAST_CONTACT=$now; return 0; }
  rec=\${state%%|*} fresh=\${state##*|}
  if [ "$rec" != f ]; then LAST_CONTACT=$now LAST_IN_RECOVERY=$now; return 0; fi
  view=$(pgpool_view)
  v=\${view%%|*}
  if [ "$v" = none ]; then
${nudge ? `    local_sql -c ${q(nudge)} >/dev/null || true
    sleep 0.5
    state=$(local_sql -c "SELECT pg_is_in_recovery(), ${freshSql}") && fresh=\${state##*|}` : '    :'}
  fi
  [ "$v" != none ] || [ "\${fresh:-0}" -gt 0 ] && LAST_CONTACT=$now
  [ "$LAST_IN_RECOVERY" -gt 0 ] && [ $((now - LAST_IN_RECOVERY)) -lt "$PROMOTE_GRACE_MS" ] && recent=1
  # Standbys still stream but pgpool cannot be asked (or names no primary): has another node been promoted meanwhile?
  newer=
  if [ "$v" != primary ] && [ "$v" != demoted ] && [ "\${#PEERS[@]}" -gt 0 ]; then newer=$(newer_primary); fi
  verdict=$(decide "$v" "\${fresh:-0}" $((now - LAST_CONTACT)) "$recent" "$newer")
  case "$verdict" in
    stop*) stop_server "\${verdict#stop } (pgpool: $view)"; LAST_CONTACT=$(now_ms) ;;
    *) [ "$verdict" = "$LAST_SAID" ] || log "\${verdict#keep } (pgpool: $view)"; LAST_SAID=$verdict ;;
  esac
}

case "\${1:-run}" in
  decide) shift; decide "$@" ;;
  parse-view) parse_view ;;
  newer) newer_primary ;;
  view) pgpool_view ;;
  once) tick ;;
  run)
    exec 9>>"$PIDFILE.lock"
    flock -n 9 || { log "another guard already runs for this node; exiting"; exit 0; }
    echo $$ > "$PIDFILE"
    log "started: pgpool at \${PGPOOLS[*]}, tick $TICK_S s, bound $BOUND_MS ms"
    trap 'log "stopped by signal"; rm -f "$PIDFILE"; exit 0' TERM INT
    while :; do tick; sleep "$TICK_S"; done ;;
  *) echo "usage: $0 run | once | view | decide VIEW FRESH SILENT_MS RECENT_PROMOTE [NEWER]" >&2; exit 2 ;;
esac
`;
}

/** The systemd unit that keeps the guard running (installed when the host has systemd and passwordless sudo). */
export function guardUnit(node: NodeDefinition, osUser: string): string {
  const p = guardPaths(node);
  return `[Unit]
Description=${GUARD_LOG_PREFIX} for ${node.name}: stops this PostgreSQL server when pgpool has failed over away from it
After=network-online.target

[Service]
Type=simple
User=${osUser}
ExecStart=/bin/bash ${q(p.script)} run
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
`;
}

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
