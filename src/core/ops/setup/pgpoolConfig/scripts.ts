import { shellQuote as q } from '../../../remote/shellQuote';
import type { GeneratedFile, PgpoolConfigInput } from './types';
import { atLeast } from './version';
import { escalationScript, nodeIdFile, usesNodeIdFile } from './watchdog';
import { prelude } from './scriptPrelude';
import { followPrimaryScript } from './followPrimary';

/*
 * The scripts pgpool runs (failover, follow primary, online recovery). Values known when generating are
 * embedded with the one quoting helper; values pgpool passes at run time are bash variables, and every
 * command sent over ssh goes through `on_host`, which re-quotes each word with printf %q so the remote
 * shell (bash, the postgres user's shell) sees exactly the same words.
 */

/**
 * pgpool fails over as soon as a primary's clean (fast) shutdown begins (its sessions get "terminating
 * connection due to administrator command"), but that shutdown ends by sending the standbys its last WAL
 * and waiting until they flushed it: promoting earlier can lose transactions it acknowledged. So while the
 * failed primary's postmaster reports "stopping" (postmaster.pid line 8, PostgreSQL 10+) the promotion waits,
 * up to 60 s. A crashed or unreachable primary does not accept a TCP connection: no wait (0.2 s at most).
 */
/** The line switchover and promote look for in the installed failover_command script (pgpoolScriptFacts.ts). */
export const CLEAN_STOP_MARKER = '# pgpool-cluster: waits for a clean shutdown';

function waitForCleanStop(input: PgpoolConfigInput): string {
  if (input.postgresMajor < 10) return 'wait_clean_stop() { :; }';
  return `${CLEAN_STOP_MARKER}: a primary in one is still sending its standbys its last WAL.
wait_clean_stop() {
  timeout 0.2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$FAILED_HOST" "$FAILED_PORT" 2>/dev/null || return 0
  # A stopping server answers at once that it is shutting down (1); a frozen or hung host accepts TCP but answers
  # nothing, and its sshd would not either: no wait then (ssh would only time out), nor for one that accepts (0).
  local waited=0 ready=0
  "$PGCLIENT/pg_isready" -q -h "$FAILED_HOST" -p "$FAILED_PORT" -t 3 || ready=$?
  case $ready in
    1) ;;
    0) return 0 ;;
    *) log "node $FAILED_NODE_ID ($FAILED_HOST:$FAILED_PORT) accepts TCP but does not answer (frozen or hung): not waiting for a clean stop"; return 0 ;;
  esac
  on_host "$FAILED_HOST" bash -c 'w=0; for _ in $(seq 1 600); do s=$(sed -n 8p "$1/postmaster.pid" 2>/dev/null) || exit $w; [ "\${s%% *}" = stopping ] || exit $w; w=3; sleep 0.1; done; exit 1' _ "$FAILED_DATA" || waited=$?
  case $waited in
    0) ;;
    3) log "waited until node $FAILED_NODE_ID ($FAILED_HOST) finished its clean shutdown" ;;
    1) log "node $FAILED_NODE_ID ($FAILED_HOST) is still shutting down after 60 s; promoting anyway" ;;
    *) log "could not read the state of node $FAILED_NODE_ID on $FAILED_HOST (exit $waited); promoting" ;;
  esac
}`;
}

/** The line promote and switchover look for: the script then promotes the node named in the target file after it. */
export const TARGET_FILE_MARKER = '# pgpool-cluster: promotes the node named in its target file';
/** The target file's name, beside the scripts on the pgpool host. */
export const FAILOVER_TARGET_FILE = 'failover.target';
/** Automatic failover's default bound on how far behind a standby it promotes may be: 16 MiB (one WAL segment). */
export const FAILOVER_MAX_LAG_BYTES = 16 * 1024 * 1024;
/** A target file older than this (seconds) is stale: the operation that wrote it is over. */
export const FAILOVER_TARGET_MAX_AGE_S = 120;

/** The target file a generated failover script reads (from its marker line); undefined for older scripts. */
export function failoverTargetFileOf(script: string): string | undefined {
  const at = script.indexOf(`\n${TARGET_FILE_MARKER}: `);
  if (at < 0) return undefined;
  const start = at + TARGET_FILE_MARKER.length + 3;
  const end = script.indexOf('\n', start);
  const file = script.slice(start, end < 0 ? undefined : end);
  return file.startsWith('/') ? file : undefined;
}

export function failoverTargetPath(scriptsDir: string): string {
  return `${scriptsDir.replace(/\/+$/, '')}/${FAILOVER_TARGET_FILE}`;
}

/** Per standby: in recovery (t/f) | received (or replayed) WAL in bytes | the primary's WAL end it last reported | the LSN. */
function positionSql(pgMajor: number): string {
  const [recv, replay, diff] = pgMajor >= 10
    ? ['pg_last_wal_receive_lsn()', 'pg_last_wal_replay_lsn()', 'pg_wal_lsn_diff']
    : ['pg_last_xlog_receive_location()', 'pg_last_xlog_replay_location()', 'pg_xlog_location_diff'];
  return `SELECT pg_is_in_recovery(), COALESCE(${diff}(GREATEST(${recv}, ${replay}), '0/0')::bigint, -1), `
    + `COALESCE((SELECT ${diff}(latest_end_lsn, '0/0')::bigint FROM pg_stat_wal_receiver), -1), COALESCE(GREATEST(${recv}, ${replay})::text, '')`;
}

/**
 * Which node the failover promotes. (a) The node an operation chose (promote, switchover) when its target file
 * names it: no standby has to be detached for pgpool's %m not to matter. (b) Otherwise the standby that has
 * every acknowledged commit: the one that received the most WAL (a synchronous standby flushed every
 * acknowledged commit, so the furthest one has them too), among those pgpool has not detached, and none
 * further behind than the bound from the furthest position any standby saw the old primary reach.
 */
function chooseNewPrimary(input: PgpoolConfigInput): string {
  const b = input.backends;
  const target = failoverTargetPath(input.scriptsDir);
  const maxLag = input.failoverMaxLagBytes ?? FAILOVER_MAX_LAG_BYTES;
  return `# Backends as pgpool.conf numbers them.
B_IDS=(${b.map((x) => x.id).join(' ')})
B_HOSTS=(${b.map((x) => q(x.host)).join(' ')})
B_PORTS=(${b.map((x) => x.port).join(' ')})
B_DATA=(${b.map((x) => q(x.dataDirectory)).join(' ')})
MAX_LAG_BYTES=${maxLag}
PGPOOL_STATUS=${q(`${input.workDir.replace(/\/+$/, '')}/pgpool_status`)}
${TARGET_FILE_MARKER}: ${target}
TARGET_FILE=${q(target)}

# Makes backend $1 the node to promote; false when pgpool.conf has no such node.
use_backend() {
  local i
  for i in "\${!B_IDS[@]}"; do
    if [ "\${B_IDS[$i]}" = "$1" ]; then
      NEW_MAIN_ID=\${B_IDS[$i]} NEW_MAIN_HOST=\${B_HOSTS[$i]} NEW_MAIN_PORT=\${B_PORTS[$i]} NEW_MAIN_DATA=\${B_DATA[$i]}
      return 0
    fi
  done
  return 1
}

# The operator's choice: promote and switchover write "<node id> <old primary id>" here just before the old
# primary goes. Read once and removed; ignored when stale or written for the failover of another node.
operator_target() {
  [ -f "$TARGET_FILE" ] || return 1
  local written age target='' old=''
  written=$(stat -c %Y -- "$TARGET_FILE" 2>/dev/null || echo 0)
  read -r target old _ < "$TARGET_FILE" || true
  rm -f -- "$TARGET_FILE" || log "could not remove $TARGET_FILE"
  age=$(( $(date +%s) - written ))
  if [ "$age" -gt ${FAILOVER_TARGET_MAX_AGE_S} ]; then log "ignoring $TARGET_FILE, written $age s ago"; return 1; fi
  if [ "$old" != "$FAILED_NODE_ID" ]; then log "ignoring $TARGET_FILE, written for a failover of node \${old:-?}"; return 1; fi
  use_backend "$target" || { log "ignoring $TARGET_FILE: pgpool.conf has no node '$target'"; return 1; }
  log "promoting node $NEW_MAIN_ID ($NEW_MAIN_HOST:$NEW_MAIN_PORT), the node the operator chose"
}

# Sets NEW_MAIN_* to the standby with the most WAL; exit 0 when a node is already the primary, 1 when the best
# standby lags too far. Every standby is asked at once (2 s at most each); pgpool's detached nodes are skipped.
choose_standby() {
  local i fd id rec pos end lsn best=-1 best_pos=-1 best_lsn='' furthest=-1 answered=0 proposed=$NEW_MAIN_ID
  local -a status=() answer=()
  [ -r "$PGPOOL_STATUS" ] && mapfile -t status < "$PGPOOL_STATUS"
  # Each answer comes through a pipe (no temporary files): the probes run at once, then are read in turn.
  for i in "\${!B_IDS[@]}"; do
    [ "\${B_IDS[$i]}" = "$FAILED_NODE_ID" ] && continue
    if [ "\${status[\${B_IDS[$i]}]:-up}" = down ]; then log "node \${B_IDS[$i]} is detached in pgpool: not a candidate"; continue; fi
    exec {fd}< <(PGCONNECT_TIMEOUT=2 timeout 3 "$PGCLIENT/psql" -X -q -At -h "\${B_HOSTS[$i]}" -p "\${B_PORTS[$i]}" -U "$SUPERUSER" -d postgres \\
      -c ${q(positionSql(input.postgresMajor))} 2>/dev/null)
    answer[$i]=$fd
  done
  for i in "\${!B_IDS[@]}"; do
    fd=\${answer[$i]:-}
    [ -n "$fd" ] || continue
    IFS='|' read -r rec pos end lsn <&"$fd" || rec=''
    exec {fd}<&-
    [ -n "$rec" ] || continue
    id=\${B_IDS[$i]}
    if [ "$rec" = f ]; then
      log "primary node $FAILED_NODE_ID ($FAILED_HOST:$FAILED_PORT) is down; node $id is already the primary"
      exit 0
    fi
    answered=$((answered + 1))
    [ "$end" -gt "$furthest" ] && furthest=$end
    [ "$pos" -gt "$furthest" ] && furthest=$pos
    if [ "$pos" -gt "$best_pos" ] || { [ "$pos" -eq "$best_pos" ] && [ "$id" = "$proposed" ]; }; then
      best=$id best_pos=$pos best_lsn=$lsn
    fi
  done
  if [ "$best" = -1 ]; then
    log "no standby answered with its WAL position; promoting pgpool's choice, node $NEW_MAIN_ID"
    return 0
  fi
  if [ $((furthest - best_pos)) -gt "$MAX_LAG_BYTES" ]; then
    log "refusing to promote: the most advanced standby, node $best ($best_lsn), is $((furthest - best_pos)) bytes behind the primary's last known WAL position (bound $MAX_LAG_BYTES bytes); promote a node by hand (pgpool-cluster promote NODE) if losing that is acceptable"
    exit 1
  fi
  use_backend "$best"
  log "chose node $best ($NEW_MAIN_HOST:$NEW_MAIN_PORT) to promote: it received the most WAL ($best_lsn) of the $answered standby(s) that answered; pgpool proposed node $proposed"
}`;
}

/**
 * PostgreSQL 12+: promote, then return as soon as the node is out of recovery, so pgpool's first look for the
 * primary after the script finds it. pg_promote(true) looks only every 100 ms; this looks every 10 ms (60 s at most),
 * in the same session: no extra process or login. Prints t once the node accepts writes.
 */
const PROMOTE_AND_WAIT_SQL = 'DO $$BEGIN IF NOT pg_promote(false) THEN RAISE EXCEPTION \'pg_promote() could not signal the postmaster\'; END IF; '
  + 'FOR i IN 1..6000 LOOP EXIT WHEN NOT pg_is_in_recovery(); PERFORM pg_sleep(0.01); END LOOP; END$$; SELECT NOT pg_is_in_recovery()';

function failoverScript(input: PgpoolConfigInput): string {
  const promote = input.postgresMajor >= 12
    ? `  result=$(echo ${q(PROMOTE_AND_WAIT_SQL)} | sql "$NEW_MAIN_HOST" "$NEW_MAIN_PORT") || { already_primary; log "pg_promote() failed on $NEW_MAIN_HOST"; exit 1; }
  [ "$result" = t ] || { log "node $NEW_MAIN_ID is still in recovery 60 s after pg_promote() on $NEW_MAIN_HOST"; exit 1; }`
    : `  on_host "$NEW_MAIN_HOST" "$PGBIN/pg_ctl" -D "$NEW_MAIN_DATA" -w -t 60 promote >/dev/null || { already_primary; log "pg_ctl promote failed on $NEW_MAIN_HOST"; exit 1; }`;
  return `#!/bin/bash
# failover_command: promote the new main node when the primary goes down. Generated by pgpool-cluster.
# Arguments: %d %h %p %D %m %H %M %P %r %R %N %S
${prelude(input)}
FAILED_NODE_ID=$1 FAILED_HOST=$2 FAILED_PORT=$3 FAILED_DATA=$4
NEW_MAIN_ID=$5 NEW_MAIN_HOST=$6 OLD_PRIMARY_ID=$8
NEW_MAIN_PORT=\${9:-5432} NEW_MAIN_DATA=\${10:-}

${chooseNewPrimary(input)}

if [ "$FAILED_NODE_ID" != "$OLD_PRIMARY_ID" ]; then
  log "standby node $FAILED_NODE_ID ($FAILED_HOST:$FAILED_PORT) is down; the primary stays, nothing to promote"
  exit 0
fi
if [ "$NEW_MAIN_ID" -lt 0 ] || [ -z "$NEW_MAIN_HOST" ]; then
  log "primary node $FAILED_NODE_ID failed and no standby is left to promote"
  exit 1
fi
${waitForCleanStop(input)}

already_primary() {
  if [ "$(echo 'SELECT pg_is_in_recovery()' | sql "$NEW_MAIN_HOST" "$NEW_MAIN_PORT" 2>/dev/null)" = f ]; then
    log "primary node $FAILED_NODE_ID ($FAILED_HOST:$FAILED_PORT) is down; node $NEW_MAIN_ID is already the primary"
    exit 0
  fi
}

if operator_target; then
  # pgpool-cluster's switchover and promote promote the node themselves too: often nothing is left to do.
  already_primary
  wait_clean_stop
  already_primary
else
  wait_clean_stop
  choose_standby
fi
log "primary node $FAILED_NODE_ID ($FAILED_HOST:$FAILED_PORT) failed; promoting node $NEW_MAIN_ID ($NEW_MAIN_HOST:$NEW_MAIN_PORT)"
${promote}
log "node $NEW_MAIN_ID is the new primary"
exit 0
`;
}

function recoveryFirstStage(input: PgpoolConfigInput): string {
  return `#!/bin/bash
# recovery_1st_stage_command: rebuild a node as a standby of this primary (pg_rewind when its history allows,
# else pg_basebackup). Runs on the primary from its data directory. Generated by pgpool-cluster.
# Arguments (pgpool 4.3+): primary data dir, node host, node data dir, primary port, node id, node port, primary host
${prelude(input)}
PRIMARY_DATA=$1 DEST_HOST=$2 DEST_DATA=$3 PRIMARY_PORT=$4
DEST_NODE_ID=\${5:-0} DEST_PORT=\${6:-5432} PRIMARY_HOST=\${7:-}
[ -n "$PRIMARY_HOST" ] || PRIMARY_HOST=$(host_of_data_dir "$PRIMARY_DATA" "$PRIMARY_PORT")
CONNINFO=$(conninfo_for "$PRIMARY_HOST" "$PRIMARY_PORT" "$(app_name "$DEST_NODE_ID")")
SOURCE="host=$(ci_value "$PRIMARY_HOST") port=$(ci_value "$PRIMARY_PORT") user=$(ci_value "$SUPERUSER") dbname=postgres"
[ -n "$PASSFILE" ] && SOURCE="$SOURCE passfile=$(ci_value "$PASSFILE")"

log "recovering node $DEST_NODE_ID ($DEST_HOST:$DEST_DATA) from $PRIMARY_HOST:$PRIMARY_PORT"
echo 'CHECKPOINT' | sql "$PRIMARY_HOST" "$PRIMARY_PORT" >/dev/null || true
on_host "$DEST_HOST" "$PGBIN/pg_ctl" -D "$DEST_DATA" -m fast -w stop >/dev/null 2>&1 || true

if on_host "$DEST_HOST" test -f "$DEST_DATA/PG_VERSION" \\
   && on_host "$DEST_HOST" "$PGCLIENT/pg_rewind" -D "$DEST_DATA" --source-server="$SOURCE"; then
  log "node $DEST_NODE_ID rewound"
else
  log "pg_rewind not possible for node $DEST_NODE_ID; taking a fresh base backup"
  on_host "$DEST_HOST" bash -c 'set -e; rm -rf "$1.old"; if [ -e "$1" ]; then mv "$1" "$1.old"; fi
    "$2/pg_basebackup" -h "$3" -p "$4" -U "$5" -D "$1" -X stream -c fast
    rm -rf "$1.old"' _ "$DEST_DATA" "$PGCLIENT" "$PRIMARY_HOST" "$PRIMARY_PORT" "$REPL_USER" \\
    || { log "pg_basebackup of node $DEST_NODE_ID failed (its old data directory, if any, is $DEST_DATA.old)"; exit 1; }
fi
on_host "$DEST_HOST" rm -f "$DEST_DATA/recovery.done" "$DEST_DATA/standby.signal" "$DEST_DATA/recovery.conf"
write_standby_config "$DEST_HOST" "$DEST_DATA" "$CONNINFO"
log "node $DEST_NODE_ID is ready to start as a standby"
exit 0
`;
}

function remoteStart(input: PgpoolConfigInput): string {
  return `#!/bin/bash
# pgpool_remote_start: start a recovered node. Generated by pgpool-cluster.
# Arguments: node host, node data directory
${prelude(input)}
DEST_HOST=$1 DEST_DATA=$2
start_node "$DEST_HOST" "$DEST_DATA" || { log "could not start PostgreSQL on $DEST_HOST ($DEST_DATA)"; exit 1; }
log "started PostgreSQL on $DEST_HOST"
exit 0
`;
}

/** The four scripts pgpool needs (and the watchdog's files), for the cluster's versions. */
export function generateScripts(input: PgpoolConfigInput): GeneratedFile[] {
  if (!atLeast(input.pgpoolVersion, '3.4')) {
    throw new Error(`pgpool-II ${input.pgpoolVersion} is older than the oldest release these scripts support (3.4).`);
  }
  return [
    { target: 'pgpool', name: 'failover.sh', content: failoverScript(input), mode: 0o750 },
    { target: 'pgpool', name: 'follow_primary.sh', content: followPrimaryScript(input), mode: 0o750 },
    { target: 'primaryData', name: 'recovery_1st_stage', content: recoveryFirstStage(input), mode: 0o750 },
    { target: 'primaryData', name: 'pgpool_remote_start', content: remoteStart(input), mode: 0o750 },
    ...watchdogFiles(input),
  ];
}

/** With watchdog: the escalation script (when there is a VIP) and, from 4.2, the host's pgpool_node_id file. */
function watchdogFiles(input: PgpoolConfigInput): GeneratedFile[] {
  const w = input.watchdog;
  if (!w) return [];
  const files: GeneratedFile[] = [];
  if (w.vip !== undefined) files.push({ target: 'pgpool', name: 'escalation.sh', content: escalationScript(w, input.ssh, input.pgpoolVersion), mode: 0o750 });
  if (usesNodeIdFile(input.pgpoolVersion)) files.push({ target: 'pgpoolConf', name: 'pgpool_node_id', content: nodeIdFile(w.self), mode: 0o644 });
  return files;
}
