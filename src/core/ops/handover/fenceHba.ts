/**
 * The pg_hba block a fence writes and recover removes. The block is one managed section at the top of the node's
 * hba file (the first matching line wins, so it rejects every TCP client before the node's own rules); everything
 * else in the file is kept as it was. A marker file in the data directory names the hba file, so recover finds it
 * while the node is down. Fixed scripts: the paths come as arguments, never parsed by the shell.
 */
import type { NodeDefinition } from '../../inventory/model';
import { dataDir } from '../engine/pgCommands';

export const FENCE_BEGIN = '# BEGIN pgpool-cluster fence: recover this node to remove it';
export const FENCE_END = '# END pgpool-cluster fence';
/** In the data directory: the hba file the block was written into. */
export const FENCE_MARKER_FILE = 'pgpool-cluster.fenced';

/** Reject every TCP client, ordinary and replication, IPv4 and IPv6; Unix-socket logins on the host stay possible. */
export const FENCE_HBA_LINES: readonly string[] = [
  FENCE_BEGIN,
  'host all all 0.0.0.0/0 reject',
  'host all all ::/0 reject',
  'host replication all 0.0.0.0/0 reject',
  'host replication all ::/0 reject',
  FENCE_END,
];

/**
 * $1 hba file, $2 marker file, then the block's lines. Idempotent: a file that already has the block is left as it
 * is. The new content is written back through the same inode (owner and mode stay).
 */
const BLOCK = `f=$1; m=$2; shift 2
[ -f "$f" ] || { echo "no hba file at $f" >&2; exit 2; }
printf '%s\\n' "$f" > "$m"
if grep -qxF "$1" "$f"; then echo "$f already has the fence block"; exit 0; fi
t="$f.pgpool-cluster-fence.tmp"
{ printf '%s\\n' "$@"; cat "$f"; } > "$t" && cat "$t" > "$f" && rm -f "$t"`;

/** $1 data directory, $2 marker file name, $3 begin line, $4 end line. Removes the block and the marker; exit 0 when there was none. */
const UNBLOCK = `m="$1/$2"; f="$1/pg_hba.conf"
if [ -f "$m" ]; then f=$(head -n 1 "$m"); fi
if [ -f "$f" ] && grep -qxF "$3" "$f"; then
  t="$f.pgpool-cluster-fence.tmp"
  awk -v b="$3" -v e="$4" '$0 == b { skip = 1; next } skip && $0 == e { skip = 0; next } !skip' "$f" > "$t" && cat "$t" > "$f" && rm -f "$t" || exit 1
  echo "removed the fence block from $f"
fi
rm -f "$m"`;

/** Exit 0 when the block is in place ($1 data directory, $2 marker file name, $3 begin line). */
const BLOCKED = `m="$1/$2"; f="$1/pg_hba.conf"
if [ -f "$m" ]; then f=$(head -n 1 "$m"); fi
[ -f "$f" ] && grep -qxF "$3" "$f"`;

/** The hba file when the server did not say: PostgreSQL's default, in the data directory. */
export const defaultHbaFile = (node: NodeDefinition): string => `${dataDir(node)}/pg_hba.conf`;

export const fenceBlockArgv = (node: NodeDefinition, hbaFile: string): string[] =>
  ['sh', '-c', BLOCK, '_', hbaFile, `${dataDir(node)}/${FENCE_MARKER_FILE}`, ...FENCE_HBA_LINES];

export const fenceUnblockArgv = (node: NodeDefinition): string[] =>
  ['sh', '-c', UNBLOCK, '_', dataDir(node), FENCE_MARKER_FILE, FENCE_BEGIN, FENCE_END];

export const fenceBlockedArgv = (node: NodeDefinition): string[] =>
  ['sh', '-c', BLOCKED, '_', dataDir(node), FENCE_MARKER_FILE, FENCE_BEGIN];
