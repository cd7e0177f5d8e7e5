import { shellQuote as q } from '../../../remote/shellQuote';
import { FENCE_MARK_SUFFIX } from '../../../status/fenceMark';
import { FENCE_BLOCK_SCRIPT, FENCE_HBA_LINES, FENCE_MARKER_FILE } from '../../handover/fenceHba';
import { prelude } from './scriptPrelude';
import type { PgpoolConfigInput } from './types';

/*
 * follow_primary.sh, the script pgpool runs for every other node after a failover: re-point the node at the new
 * primary, or pg_rewind it when it cannot follow, leave a fenced node alone, and attach it again. The other
 * generated scripts are in scripts.ts; the prelude they share is scriptPrelude.ts.
 */

/**
 * True when re-pointing the node cannot work, so follow_primary rewinds at once instead of waiting for a stream that
 * never comes: the node is a primary itself (a thawed or healed old primary), or it replayed WAL past the point
 * where the new primary's timeline forked (the last line of its timeline history file).
 */
function forkedPast(pgMajor: number): string {
  if (pgMajor < 10) return 'forked_past() { return 1; }\n';
  const switchSql = "WITH t AS (SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int AS tli) "
    + "SELECT split_part(l, E'\\t', 2) || '|' || t.tli FROM t, regexp_split_to_table(pg_read_file('pg_wal/' || lpad(upper(to_hex(t.tli)), 8, '0') || '.history'), E'\\n') WITH ORDINALITY AS x(l, n) "
    + "WHERE l ~ E'^[0-9]+\\t' ORDER BY n DESC LIMIT 1";
  return `forked_past() {
  local r past
  r=$(echo ${q(switchSql)} | sql "$NEW_PRIMARY_HOST" "$NEW_PRIMARY_PORT" 2>/dev/null) && [ -n "$r" ] || return 1
  # Replayed past the fork and not (yet) receiving the new timeline: its own history already left it.
  past=$(echo "SELECT NOT pg_is_in_recovery() OR (pg_last_wal_replay_lsn() > :'sw'::pg_lsn AND COALESCE((SELECT received_tli FROM pg_stat_wal_receiver), 0) < :'tli'::int)" \\
    | sql "$NODE_HOST" "$NODE_PORT" -v sw="\${r%|*}" -v tli="\${r##*|}" 2>/dev/null) || return 1
  [ "$past" = t ]
}
`;
}

/** The line check and fence look for in the installed follow_primary script: it leaves a node with a fence mark alone. */
export const FOLLOW_FENCE_MARKER = '# pgpool-cluster: leaves fenced nodes alone';

/**
 * A node `pgpool-cluster fence` marked (status/fenceMark.ts: a file beside its data directory, which pg_rewind does
 * not touch) is left as it is: recover rejoins it. Checked before anything changes and again before the node would be
 * started; a fence that came while pg_rewind ran gets its pg_hba block back (pg_rewind copied the new primary's
 * pg_hba.conf over it) and the node stays stopped, configured as a standby.
 */
function fenceAware(): string {
  return `${FOLLOW_FENCE_MARKER}: <data directory>${FENCE_MARK_SUFFIX}
FENCE_MARK="\${NODE_DATA%/}"${q(FENCE_MARK_SUFFIX)}
FENCE_MARK_TEXT=''
# True when the node carries a fence mark ($1: what follow_primary was about to do, for the log).
fenced() {
  FENCE_MARK_TEXT=$(on_host "$NODE_HOST" cat "$FENCE_MARK" 2>/dev/null) || return 1
  local line since='?' by='?'
  while IFS= read -r line; do
    case $line in since=*) since=\${line#since=} ;; by=*) by=\${line#by=} ;; esac
  done <<< "$FENCE_MARK_TEXT"
  log "node $NODE_ID ($NODE_HOST) is fenced (since $since by $by, $FENCE_MARK): not $1; it stays as it is until pgpool-cluster recover rejoins it"
}
# Puts the fence's pg_hba block back into the file the mark names (pg_rewind replaced a pg_hba.conf in the data directory).
refence_hba() {
  local hba
  hba=$(sed -n 's/^hba=//p' <<< "$FENCE_MARK_TEXT" | head -n 1)
  [ -n "$hba" ] || hba="$NODE_DATA/pg_hba.conf"
  on_host "$NODE_HOST" sh -c ${q(FENCE_BLOCK_SCRIPT)} _ "$hba" "$NODE_DATA/"${q(FENCE_MARKER_FILE)} ${FENCE_HBA_LINES.map(q).join(' ')} >/dev/null \\
    && log "node $NODE_ID: the fence block is in $hba again" || log "node $NODE_ID: could not put the fence block back into $hba"
}
`;
}

export function followPrimaryScript(input: PgpoolConfigInput): string {
  const pcp = input.pcp;
  const repoint = input.postgresMajor >= 13
    ? `# PostgreSQL 13+ reloads primary_conninfo: re-point without a restart.
echo "ALTER SYSTEM SET primary_conninfo = :'ci'; SELECT pg_reload_conf();" | sql "$NODE_HOST" "$NODE_PORT" -v ci="$CONNINFO" >/dev/null \\
  || log "could not re-point node $NODE_ID by ALTER SYSTEM"`
    : `# PostgreSQL $PG_MAJOR reads primary_conninfo only at start: rewrite the standby configuration and restart.
on_host "$NODE_HOST" "$PGBIN/pg_ctl" -D "$NODE_DATA" -m fast -w stop >/dev/null || true
write_standby_config "$NODE_HOST" "$NODE_DATA" "$CONNINFO"
start_node "$NODE_HOST" "$NODE_DATA" || log "node $NODE_ID did not start with the new primary_conninfo"`;
  const reload = `${forkedPast(input.postgresMajor)}if forked_past; then
  log "node $NODE_ID is a primary or replayed past the point where the new primary's timeline forked: it cannot follow; rewinding it"
else
${repoint}
if wait_streaming "$NODE_HOST" "$NODE_PORT" "$NEW_PRIMARY_HOST"; then
  log "node $NODE_ID streams from the new primary"
  attach
  exit 0
fi
log "node $NODE_ID did not follow the new timeline; rewinding it"
fi`;
  return `#!/bin/bash
# follow_primary_command: make a standby follow the new primary, then attach it again. Generated by pgpool-cluster.
# Arguments: %d %h %p %D %m %H %M %P %r %R %N %S (%m/%H/%r/%R are the new primary)
${prelude(input)}
export PCPPASSFILE=${q(pcp.passFile)}
NODE_ID=$1 NODE_HOST=$2 NODE_PORT=$3 NODE_DATA=$4
NEW_PRIMARY_ID=$5 NEW_PRIMARY_HOST=$6 NEW_PRIMARY_PORT=\${9:-5432}

attach() {
  ${q(`${pcp.binDir.replace(/\/+$/, '')}/pcp_attach_node`)} -w -h ${q(pcp.host)} -p ${input.pcpPort} -U ${q(pcp.user)} -n "$NODE_ID" >/dev/null \\
    && log "node $NODE_ID attached" || log "pcp_attach_node failed for node $NODE_ID"
}

${fenceAware()}
[ "$NODE_ID" = "$NEW_PRIMARY_ID" ] && exit 0
if ! "$PGCLIENT/pg_isready" -q -h "$NODE_HOST" -p "$NODE_PORT" -t 5; then
  log "node $NODE_ID ($NODE_HOST:$NODE_PORT) is not running; it stays down until it is recovered"
  exit 0
fi
fenced "re-pointing it to the new primary" && exit 0
CONNINFO=$(conninfo_for "$NEW_PRIMARY_HOST" "$NEW_PRIMARY_PORT" "$(app_name "$NODE_ID")")
${reload}
SOURCE="host=$(ci_value "$NEW_PRIMARY_HOST") port=$(ci_value "$NEW_PRIMARY_PORT") user=$(ci_value "$SUPERUSER") dbname=postgres"
[ -n "$PASSFILE" ] && SOURCE="$SOURCE passfile=$(ci_value "$PASSFILE")"
fenced "rewinding it" && exit 0
on_host "$NODE_HOST" "$PGBIN/pg_ctl" -D "$NODE_DATA" -m fast -w stop >/dev/null || true
# pg_rewind reads the source's control file, which names the old timeline until the new primary's first checkpoint:
# before it, pg_rewind says "no rewind required" and the node, past the fork, never streams.
echo 'CHECKPOINT' | sql "$NEW_PRIMARY_HOST" "$NEW_PRIMARY_PORT" >/dev/null || log "CHECKPOINT on the new primary failed; pg_rewind may see its old timeline"
if ! on_host "$NODE_HOST" "$PGCLIENT/pg_rewind" -D "$NODE_DATA" --source-server="$SOURCE"; then
  log "pg_rewind of node $NODE_ID failed; it stays down: recover it (pcp_recovery_node or pgpool-cluster recover)"
  exit 1
fi
write_standby_config "$NODE_HOST" "$NODE_DATA" "$CONNINFO"
if fenced "starting it after pg_rewind"; then
  refence_hba
  exit 0
fi
start_node "$NODE_HOST" "$NODE_DATA" || { log "node $NODE_ID did not start after pg_rewind"; exit 1; }
# A fence made during the start stops it again; pgpool must not get it back.
fenced "attaching it" && exit 0
attach
exit 0
`;
}
