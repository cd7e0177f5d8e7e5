/**
 * Version-aware building blocks for plans: argv for pg_ctl & co, SQL by PostgreSQL major, standby
 * configuration (standby.signal + primary_conninfo on >= 12, recovery.conf before), libpq conninfo.
 * Argv elements are quoted later by shellCommand; nothing here concatenates values into shell text.
 */
import * as path from 'node:path';
import type { ClusterDefinition, NodeDefinition } from '../../inventory/model';
import { hostPassFile, withPassFileVariable, type HostPassFile } from '../../inventory/hostPath';
import { compareVersions } from '../setup/pgpoolConfig/version';

export interface Versions {
  /** PostgreSQL major, "9.6", "11", "15". */
  readonly postgres: string;
  /** pgpool-II "major.minor", "3.7", "4.3". */
  readonly pgpool: string;
}

export const pgAtLeast = (v: Versions, min: string): boolean => compareVersions(v.postgres, min) >= 0;

/** "150018" -> "15", "90624" -> "9.6". */
export function majorFromVersionNum(num: number): string {
  if (num >= 100000) return String(Math.floor(num / 10000));
  return `${Math.floor(num / 10000)}.${Math.floor(num / 100) % 100}`;
}

/** "4.3.5 (tamahomeboshi)" -> "4.3". */
export function pgpoolMajor(text: string): string | undefined {
  const m = /^(\d+)\.(\d+)/.exec(text.trim());
  return m ? `${m[1]}.${m[2]}` : undefined;
}

export function normalizePgMajor(text: string): string {
  const m = /^(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!m) return text;
  const major = Number(m[1]);
  return major >= 10 ? String(major) : `${major}.${m[2] ?? '0'}`;
}

/** A PostgreSQL program on the node's host: from its binDir, else the PATH. */
export const bin = (node: NodeDefinition, tool: string): string => (node.binDir ? path.posix.join(node.binDir, tool) : tool);

export function dataDir(node: NodeDefinition): string {
  if (!node.dataDirectory) throw new Error(`Node ${node.name} has no dataDirectory in the cluster file; operations over SSH need it.`);
  return node.dataDirectory;
}

/** WAL function and column names by version (PostgreSQL 10 renamed xlog -> wal, location -> lsn). */
export function walNames(v: Versions): { currentLsn: string; replayLsn: string; receiveLsn: string; replayCol: string } {
  return pgAtLeast(v, '10')
    ? { currentLsn: 'pg_current_wal_lsn()', replayLsn: 'pg_last_wal_replay_lsn()', receiveLsn: 'pg_last_wal_receive_lsn()', replayCol: 'replay_lsn' }
    : { currentLsn: 'pg_current_xlog_location()', replayLsn: 'pg_last_xlog_replay_location()', receiveLsn: 'pg_last_xlog_receive_location()', replayCol: 'replay_location' };
}

/**
 * `pg_ctl stop` without its own wait, then the wait pg_ctl -w does (postmaster.pid gone, or its postmaster no longer
 * alive) every 10 ms instead of every 100 ms: a fast stop of an idle server takes 0.1-0.2 s, so -w's polling cost up
 * to half of it. `$1` pg_ctl, `$2` the data directory, `$3` the mode. Exit 1 after 60 s, as `-t 60`.
 */
const STOP_POLLED = `"$1" -D "$2" -m "$3" -W stop || exit
end=$(( $(date +%s) + 60 )); i=0; while [ -f "$2/postmaster.pid" ]; do
  p=$(head -n 1 "$2/postmaster.pid" 2>/dev/null) && [ -n "$p" ] && ! kill -0 "$p" 2>/dev/null && break
  i=$((i+1)); [ $((i % 50)) -eq 0 ] && [ "$(date +%s)" -ge "$end" ] && { echo "pg_ctl: server does not shut down within 60 s" >&2; exit 1; }
  sleep 0.01 2>/dev/null || sleep 1; done
echo "server stopped"`;

export const pgCtl = {
  stop: (n: NodeDefinition, mode: 'fast' | 'immediate' | 'smart' = 'fast'): string[] => ['sh', '-c', STOP_POLLED, 'pgpool-cluster-stop', bin(n, 'pg_ctl'), dataDir(n), mode],
  /** `-l` keeps the ssh channel from staying open (pg_ctl's stdout would otherwise be the server's). */
  start: (n: NodeDefinition): string[] => [bin(n, 'pg_ctl'), '-D', dataDir(n), '-l', `${dataDir(n)}/startup.log`, '-w', '-t', '60', 'start'],
  restart: (n: NodeDefinition): string[] => [bin(n, 'pg_ctl'), '-D', dataDir(n), '-l', `${dataDir(n)}/startup.log`, '-m', 'fast', '-w', '-t', '60', 'restart'],
  /** Exit 0 running, 3 not running, 4 no usable data directory. */
  status: (n: NodeDefinition): string[] => [bin(n, 'pg_ctl'), '-D', dataDir(n), 'status'],
  /** `-w` for promote exists since PostgreSQL 10. */
  promote: (n: NodeDefinition, v: Versions): string[] => [bin(n, 'pg_ctl'), '-D', dataDir(n), ...(pgAtLeast(v, '10') ? ['-w', '-t', '60'] : []), 'promote'],
};

/**
 * pg_ctl start (or restart) that, when it fails, prints the last 20 lines of the server's own log to stderr:
 * startup.log (what pg_ctl -l captured, e.g. "lock file postmaster.pid already exists"), then the newest file of
 * the logging collector's directory inside the data directory (log/ or pg_log/) when there is one.
 */
const START_SHOWING_LOG = `"$@" && exit 0; rc=$?
for f in "$LOGFILE" $(ls -t "$PGDATA"/log/* "$PGDATA"/pg_log/* 2>/dev/null | head -n 1); do
  [ -f "$f" ] || continue; echo "--- last 20 lines of $f:" >&2; tail -n 20 "$f" >&2
done
exit $rc`;

export function startShowingLogArgv(n: NodeDefinition, argv: readonly string[]): string[] {
  return ['env', `PGDATA=${dataDir(n)}`, `LOGFILE=${dataDir(n)}/startup.log`, 'sh', '-c', START_SHOWING_LOG, '_', ...argv];
}

/**
 * Before a start: a postmaster killed alone (kill -9) can leave its children running on the data directory, holding
 * the shared memory, and a start then fails ("another server might be running"). Lists the `postgres` processes whose
 * working directory is the data directory (an admin's shell there is left alone) and, when no live postmaster owns
 * it, stops them (TERM, then KILL after 5 s).
 * A live postmaster there means someone else (pgpool's follow_primary or failover script) started the node
 * meanwhile: exit 3, nothing is touched. Prints the pids it stopped; exit 0 when there were none.
 */
const STOP_LEFTOVERS = `D=$(cd "$1" 2>/dev/null && pwd -P) || exit 0
if [ -f "$D/postmaster.pid" ]; then
  pm=$(head -n 1 "$D/postmaster.pid")
  case "$pm" in ''|*[!0-9]*) ;; *) if [ -d "/proc/$pm" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pm/status" 2>/dev/null; then
    echo "a postmaster (pid $pm) runs on $D: something else (pgpool's follow_primary or failover script?) started it meanwhile" >&2; exit 3; fi;; esac
fi
A=$1
# A copy into this directory that a cancelled recover left running (pg_basebackup -D DIR, pg_rewind --target-pgdata=DIR).
copier() { case "$(cat "$1/comm" 2>/dev/null)" in pg_basebackup|pg_rewind) tr '\\000' '\\n' < "$1/cmdline" 2>/dev/null | grep -qxF -e "$A" -e "$D" -e "--target-pgdata=$A" -e "--target-pgdata=$D";; *) return 1;; esac; }
left() { for p in /proc/[0-9]*; do { { [ "$(readlink "$p/cwd" 2>/dev/null)" = "$D" ] && [ "$(cat "$p/comm" 2>/dev/null)" = postgres ]; } || copier "$p"; } && ! grep -q '^State:[[:space:]]*Z' "$p/status" 2>/dev/null && printf '%s ' "\${p#/proc/}"; done; }
pids=$(left); [ -n "$pids" ] || exit 0
echo "processes left on $D by a server that died: $pids"
[ "$2" = list ] && exit 0
kill -TERM $pids 2>/dev/null; i=0
while [ $i -lt 50 ] && [ -n "$(left)" ]; do sleep 0.1; i=$((i+1)); done
pids=$(left); [ -z "$pids" ] || { kill -KILL $pids 2>/dev/null; sleep 0.2; }
[ -z "$(left)" ] || { echo "could not stop: $(left)" >&2; exit 1; }`;

export const stopLeftoversArgv = (n: NodeDefinition): string[] => ['sh', '-c', STOP_LEFTOVERS, '_', dataDir(n)];
/** The same search, read-only (for the plan): prints what the step would stop. */
export const listLeftoversArgv = (n: NodeDefinition): string[] => ['sh', '-c', STOP_LEFTOVERS, '_', dataDir(n), 'list'];

/** `LC_ALL=C` so the labels are English whatever the host's locale. */
export const controldataArgv = (n: NodeDefinition): string[] => ['env', 'LC_ALL=C', bin(n, 'pg_controldata'), dataDir(n)];

export function parseControldata(out: string, label: string): string | undefined {
  for (const line of out.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && line.slice(0, i).trim() === label) return line.slice(i + 1).trim();
  }
  return undefined;
}

/** A libpq conninfo value, quoted only when needed (`'...'` with `\\` and `\'`). */
export function conninfoValue(v: string): string {
  if (/^[A-Za-z0-9_./:@+-]+$/.test(v)) return v;
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function conninfo(parts: Readonly<Record<string, string | number | undefined>>): string {
  return Object.entries(parts)
    .filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => `${k}=${conninfoValue(String(v))}`).join(' ');
}

/**
 * A postgresql.conf / postgresql.auto.conf / recovery.conf string literal written the way PostgreSQL's own
 * ALTER SYSTEM writer does (escape_single_quotes_ascii): a quote and a backslash are both doubled, because the
 * server's reader (GUC_scanstr) turns `\\` into one backslash and takes `\n`, `\'`... as escapes.
 */
export function confLiteral(v: string): string {
  if (/[\n\r\0]/.test(v)) throw new Error(`The value ${JSON.stringify(v)} cannot be written to a PostgreSQL configuration file: it contains a line break or NUL. Remove it from the cluster file.`);
  return `'${v.replace(/['\\]/g, '$&$&')}'`;
}

/**
 * An SQL string literal for utility statements that take no parameters (ALTER SYSTEM). Safe with
 * standard_conforming_strings = on (the default since 9.1): only the quote is special.
 */
export function sqlLiteral(v: string): string {
  if (v.includes('\0')) throw new Error('An SQL value cannot contain a NUL byte.');
  return `'${v.replace(/'/g, "''")}'`;
}

/** The libpq pass file the database OS user reads on `node`'s host (its own, never the workstation's). */
export const nodePassFile = (node: NodeDefinition): HostPassFile => hostPassFile(node.pgpassFile, '.pgpass');

/** argv run on `node`'s host with that host's pass file in effect (PGPASSFILE only when it is not ~/.pgpass). */
export const withNodePassFile = (node: NodeDefinition, argv: readonly string[]): string[] => withPassFileVariable('PGPASSFILE', nodePassFile(node), argv);

/**
 * The one absolute pass file every node names, for scripts that run alike on every host (pgpool's); otherwise
 * undefined, so they read the OS user's own ~/.pgpass there. Never the workstation's database.passfile.
 */
export function sharedNodePassFile(cluster: ClusterDefinition): string | undefined {
  const files = new Set(cluster.nodes.map((n) => n.pgpassFile));
  const only = files.size === 1 ? [...files][0] : undefined;
  return only?.startsWith('/') ? only : undefined;
}

/**
 * Puts one pass-file line (read from stdin, so the password is never on a command line) first in the host user's
 * file, dropping older lines for the same host:port:database:user. Nothing is written when it is already the first
 * line (a re-run changes nothing). Written with umask 077 to a temporary file renamed over the old one (atomic);
 * when the file's directory is not writable by that user, the file is rewritten in place. Mode 0600 either way.
 * `$1` absolute path or empty, `$2` the path under $HOME, `$3` the entry's fields before the password, as in the file.
 */
const PUT_PASS_ENTRY = `if [ -n "$1" ]; then f=$1; else f="$HOME/$2"; fi; pre="$3:"
umask 077; mkdir -p -- "$(dirname -- "$f")" || exit 1
IFS= read -r line || [ -n "$line" ] || { echo "no entry on stdin" >&2; exit 2; }
if [ -f "$f" ] && [ "$(head -n 1 -- "$f")" = "$line" ]; then chmod 600 -- "$f"; exit 0; fi
rest() { if [ -f "$f" ]; then P=$pre awk 'index($0, ENVIRON["P"]) != 1' "$f"; fi; }
if t=$(mktemp "$f.XXXXXX" 2>/dev/null); then
  { printf '%s\\n' "$line"; rest; } > "$t" && chmod 600 -- "$t" && mv -f -- "$t" "$f" || { rm -f -- "$t"; exit 1; }
else
  t=$(mktemp) || exit 1
  { printf '%s\\n' "$line"; rest; } > "$t" && cat -- "$t" > "$f" && chmod 600 -- "$f"; rc=$?; rm -f -- "$t"; exit $rc
fi`;

/** argv + stdin that store `fields` (host, port, database, user) with `password` in the pass file `f` on the host. */
export function putPassEntry(f: HostPassFile, defaultName: string, fields: readonly string[], password: string): { argv: string[]; stdin: string } {
  const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  if (/[\r\n]/.test(password)) throw new Error('A password for a pass file cannot contain a line break.');
  const prefix = fields.map((x) => (x === '*' ? x : esc(x))).join(':');
  return {
    argv: ['sh', '-c', PUT_PASS_ENTRY, '_', f.kind === 'absolute' ? f.path : '', f.kind === 'home' ? f.relative : f.kind === 'default' ? defaultName : '', prefix],
    stdin: `${prefix}:${esc(password)}\n`,
  };
}

/** Marks where a fixed script puts `passfile=$HOME/...` (a home-relative pass file resolved on the host). */
export const PASSFILE_MARKER = '@PASSFILE@';

/**
 * primary_conninfo for `standby` following `primary` (replication user). The password comes from the standby
 * host's own pass file: libpq's default ~/.pgpass of the server's OS user, or the node's absolute pgpassFile.
 * A home-relative pgpassFile leaves PASSFILE_MARKER for the writing script (`withMarker`); SQL cannot resolve it.
 */
export function replicationConninfo(cluster: ClusterDefinition, primary: NodeDefinition, standby: NodeDefinition, withMarker = false): string {
  const f = nodePassFile(standby);
  const ci = conninfo({
    host: primary.host, port: primary.port, user: cluster.replication.user ?? 'replicator',
    application_name: standby.name, passfile: f.kind === 'absolute' ? f.path : undefined,
  });
  return withMarker && f.kind === 'home' ? `${ci} ${PASSFILE_MARKER}` : ci;
}

/** Superuser conninfo for pg_rewind --source-server; run it through withNodePassFile on the target's host. */
export function superuserConninfo(cluster: ClusterDefinition, source: NodeDefinition): string {
  return conninfo({ host: source.host, port: source.port, user: cluster.database.user ?? 'postgres', dbname: cluster.database.name ?? 'postgres' });
}

/** A fixed script; the file and lines come as arguments, so no value is ever parsed by the shell. */
const WRITE_LINES = 'f=$1; shift; printf \'%s\\n\' "$@" > "$f"';
const APPEND_LINES = 'f=$1; shift; printf \'%s\\n\' "$@" >> "$f"';
/**
 * Writes (`$2` = write) or appends lines to `$1`, replacing PASSFILE_MARKER by `passfile=$HOME/$3` as the host
 * user sees it; refuses a home whose path would need conninfo quoting.
 */
const PASSFILE_LINES = `f=$1; mode=$2; p="$HOME/$3"; shift 3
case "$p" in /*) ;; *) echo "HOME is not set for $(id -un); set pgpassFile to an absolute path" >&2; exit 2;; esac
case "$p" in *[!A-Za-z0-9_./-]*) echo "pass file path $p needs quoting in primary_conninfo; set pgpassFile to a simpler absolute path" >&2; exit 2;; esac
if [ "$mode" = write ]; then : > "$f"; fi
for l; do case "$l" in *${PASSFILE_MARKER}*) l="\${l%%${PASSFILE_MARKER}*}passfile=$p\${l#*${PASSFILE_MARKER}}";; esac; printf '%s\n' "$l"; done >> "$f"`;

/** argv writing (or appending) configuration lines on `node`'s host, resolving a home-relative pass file there. */
export function confLinesArgv(node: NodeDefinition, mode: 'write' | 'append', file: string, lines: readonly string[]): string[] {
  const f = nodePassFile(node);
  if (f.kind === 'home') return ['sh', '-c', PASSFILE_LINES, '_', file, mode, f.relative, ...lines];
  return ['sh', '-c', mode === 'write' ? WRITE_LINES : APPEND_LINES, '_', file, ...lines];
}

/**
 * Turns a stopped data directory into a standby of `primary`:
 * >= 12 `standby.signal` + primary_conninfo appended to postgresql.auto.conf (the last line wins over any
 * copied from the source by pg_rewind/pg_basebackup); <= 11 a recovery.conf with standby_mode.
 */
export function standbyConfigArgv(cluster: ClusterDefinition, node: NodeDefinition, primary: NodeDefinition, v: Versions): string[][] {
  const data = dataDir(node);
  const ci = replicationConninfo(cluster, primary, node, true);
  if (pgAtLeast(v, '12')) {
    return [
      ['sh', '-c', 'set -e; if [ -e "$1/recovery.conf" ]; then mv "$1/recovery.conf" "$1/recovery.conf.pgpool-cluster-old"; fi; rm -f "$1/recovery.signal"; touch "$1/standby.signal"', '_', data],
      confLinesArgv(node, 'append', `${data}/postgresql.auto.conf`, [`primary_conninfo = ${confLiteral(ci)}`]),
    ];
  }
  return [
    ['sh', '-c', 'rm -f "$1/recovery.done"', '_', data],
    confLinesArgv(node, 'write', `${data}/recovery.conf`, ["standby_mode = 'on'", `primary_conninfo = ${confLiteral(ci)}`, "recovery_target_timeline = 'latest'"]),
  ];
}

/** SQL true when `standby` streams from the node this runs on. */
export const STREAMING_TO_SQL = "SELECT EXISTS (SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming') AS ok";
export const IN_RECOVERY_SQL = 'SELECT pg_is_in_recovery() AS ok';
export const NOT_IN_RECOVERY_SQL = 'SELECT NOT pg_is_in_recovery() AS ok';

/** Replay position on a standby, or the write position once it is a primary. */
export function positionSql(v: Versions): string {
  const w = walNames(v);
  return `SELECT (CASE WHEN pg_is_in_recovery() THEN ${w.replayLsn} ELSE ${w.currentLsn} END)::text AS lsn`;
}

export function receivedSql(v: Versions): string {
  const w = walNames(v);
  return `SELECT (CASE WHEN pg_is_in_recovery() THEN GREATEST(${w.receiveLsn}, ${w.replayLsn}) ELSE ${w.currentLsn} END)::text AS lsn`;
}
