import { shellQuote as q } from '../../../remote/shellQuote';
import type { PgpoolConfigInput } from './types';

/*
 * What every generated pgpool script starts with: bash quoting for values met at run time, logging, and `on_host`,
 * which runs one command on a host over ssh with each word re-quoted (printf %q), so the remote shell sees exactly
 * the same words. The scripts themselves are in scripts.ts.
 */

/** Bash quoting for values met at run time (String.raw: the backslashes are bash's own). */
const QUOTING_FUNCTIONS = String.raw`# A libpq conninfo value: bare when plain, else '...' with \\ and \' (libpq's own rules).
ci_value() {
  case "$1" in
    ''|*[!A-Za-z0-9_./:@+-]*) local v=${'$'}{1//\\/\\\\}; v=${'$'}{v//\'/\\\'}; printf "'%s'" "$v" ;;
    *) printf '%s' "$1" ;;
  esac
}

# A postgresql.conf string literal as the server writes its own: quotes and backslashes doubled.
conf_literal() {
  local v=${'$'}{1//\\/\\\\}; v=${'$'}{v//\'/\'\'}; printf "'%s'" "$v"
}
`;

export function prelude(input: PgpoolConfigInput): string {
  const ssh = input.ssh;
  const sshOpts = ['-T', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=5', '-p', String(ssh.port)];
  if (ssh.identityFile) sshOpts.push('-i', ssh.identityFile);
  if (ssh.knownHostsFile) sshOpts.push('-o', `UserKnownHostsFile=${ssh.knownHostsFile}`);
  const appCases = input.backends.map((b) => `    ${b.id}) echo ${q(b.applicationName)} ;;`).join('\n');
  const hostCases = input.backends.map((b) => `    ${q(b.dataDirectory)}:${b.port}) echo ${q(b.host)} ;;`).join('\n');
  return `set -o nounset -o pipefail
PGBIN=${q(input.pgBinDir)}
PGCLIENT=${q(input.pgClientBinDir ?? input.pgBinDir)}
PG_MAJOR=${input.postgresMajor}
SSH_USER=${q(ssh.user)}
SSH_OPTS=(${sshOpts.map(q).join(' ')})
SUPERUSER=${q(input.superuser)}
REPL_USER=${q(input.replicationUser)}
PASSFILE=${q(input.passFile ?? '')}
export PATH="/usr/local/bin:/usr/bin:/bin:$PGBIN:$PGCLIENT"
[ -n "$PASSFILE" ] && export PGPASSFILE="$PASSFILE"

# bash's own clock and name (no date or basename process): pgpool waits for failover.sh, and forks are slow on a busy host.
# Milliseconds like pgpool's own lines where bash has EPOCHREALTIME (5.0+), so the log shows where a failover's time went.
log() {
  local t=\${EPOCHREALTIME:-}
  if [ -n "$t" ]; then printf '%(%F %T)T.%s %s: %s\\n' "\${t%[.,]*}" "\${t:(-6):3}" "\${0##*/}" "$*" >&2
  else printf '%(%F %T)T %s: %s\\n' -1 "\${0##*/}" "$*" >&2; fi
}

# Runs one command on another host; printf %q re-quotes every word for the remote shell.
on_host() {
  local host=$1; shift
  ssh "\${SSH_OPTS[@]}" "$SSH_USER@$host" "$(printf '%q ' "$@")"
}

# SQL as the superuser; the statement comes on stdin so psql variables (:'name') quote values.
sql() {
  local host=$1 port=$2; shift 2
  "$PGCLIENT/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U "$SUPERUSER" -d postgres "$@"
}

app_name() {
  case "$1" in
${appCases}
    *) echo "node$1" ;;
  esac
}

host_of_data_dir() {
  case "$1:$2" in
${hostCases}
    *) echo localhost ;;
  esac
}

${QUOTING_FUNCTIONS}
conninfo_for() {
  local host=$1 port=$2 app=$3
  local ci="host=$(ci_value "$host") port=$(ci_value "$port") user=$(ci_value "$REPL_USER") application_name=$(ci_value "$app")"
  [ -n "$PASSFILE" ] && ci="$ci passfile=$(ci_value "$PASSFILE")"
  echo "$ci"
}

# Turns a stopped data directory into a standby of host:port (standby.signal or recovery.conf by version).
write_standby_config() {
  local host=$1 data=$2 line
  line="primary_conninfo = $(conf_literal "$3")"
  if [ "$PG_MAJOR" -ge 12 ]; then
    on_host "$host" bash -c 'touch "$1/standby.signal" && printf "%s\\n" "$2" >> "$1/postgresql.auto.conf"' _ "$data" "$line"
  else
    on_host "$host" bash -c 'printf "%s\\n" "standby_mode = '"'"'on'"'"'" "$2" "recovery_target_timeline = '"'"'latest'"'"'" "trigger_file = $3" > "$1/recovery.conf"' _ "$data" "$line" "$(conf_literal "$data/promote.trigger")"
  fi
}

# True once host:port streams from the given sender (about 10 s at most).
wait_streaming() {
  local host=$1 port=$2 sender=$3 state
  for _ in $(seq 1 40); do
    state=$(echo "SELECT status FROM pg_stat_wal_receiver WHERE sender_host = :'h'" | sql "$host" "$port" -v h="$sender" 2>/dev/null || true)
    [ "$state" = streaming ] && return 0
    sleep 0.25
  done
  return 1
}

start_node() {
  local host=$1 data=$2
  on_host "$host" "$PGBIN/pg_ctl" -D "$data" -l "$data/startup.log" -w -t 60 start >/dev/null
}
`;
}
