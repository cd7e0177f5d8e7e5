/**
 * The pg_hba block a fence writes and recover removes. The block is one managed section at the top of the node's
 * hba file (the first matching line wins, so it rejects every TCP client before the node's own rules); everything
 * else in the file is kept as it was. A marker file in the data directory names the hba file, so recover finds it
 * while the node is down. Fixed scripts: the paths come as arguments, never parsed by the shell.
 */
import type { NodeDefinition } from '../../inventory/model';
import { FENCE_MARK_HEADER, fenceMarkPath } from '../../status/fenceMark';
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
export const FENCE_BLOCK_SCRIPT = `f=$1; m=$2; shift 2
[ -f "$f" ] || { echo "no hba file at $f" >&2; exit 2; }
printf '%s\\n' "$f" > "$m"
if grep -qxF "$1" "$f"; then echo "$f already has the fence block"; exit 0; fi
t="$f.pgpool-cluster-fence.tmp"
{ printf '%s\\n' "$@"; cat "$f"; } > "$t" && cat "$t" > "$f" && rm -f "$t"`;

/** $1 data directory, $2 marker file name, $3 begin line, $4 end line, $5 the fence mark. Removes the block and the marker; exit 0 when there was none. */
const UNBLOCK = `m="$1/$2"; f="$1/pg_hba.conf"
if [ -f "$m" ]; then f=$(head -n 1 "$m"); elif h=$(sed -n 's/^hba=//p' "$5" 2>/dev/null) && [ -n "$h" ]; then f=$h; fi
if [ -f "$f" ] && grep -qxF "$3" "$f"; then
  t="$f.pgpool-cluster-fence.tmp"
  awk -v b="$3" -v e="$4" '$0 == b { skip = 1; next } skip && $0 == e { skip = 0; next } !skip' "$f" > "$t" && cat "$t" > "$f" && rm -f "$t" || exit 1
  echo "removed the fence block from $f"
fi
rm -f "$m"`;

/** Exit 0 when the block is in place ($1 data directory, $2 marker file name, $3 begin line, $4 the fence mark). */
const BLOCKED = `m="$1/$2"; f="$1/pg_hba.conf"
if [ -f "$m" ]; then f=$(head -n 1 "$m"); elif h=$(sed -n 's/^hba=//p' "$4" 2>/dev/null) && [ -n "$h" ]; then f=$h; fi
[ -f "$f" ] && grep -qxF "$3" "$f"`;

/** The hba file when the server did not say: PostgreSQL's default, in the data directory. */
export const defaultHbaFile = (node: NodeDefinition): string => `${dataDir(node)}/pg_hba.conf`;

export const fenceBlockArgv = (node: NodeDefinition, hbaFile: string): string[] =>
  ['sh', '-c', FENCE_BLOCK_SCRIPT, '_', hbaFile, `${dataDir(node)}/${FENCE_MARKER_FILE}`, ...FENCE_HBA_LINES];

export const fenceUnblockArgv = (node: NodeDefinition): string[] =>
  ['sh', '-c', UNBLOCK, '_', dataDir(node), FENCE_MARKER_FILE, FENCE_BEGIN, FENCE_END, fenceMarkPath(dataDir(node))];

export const fenceBlockedArgv = (node: NodeDefinition): string[] =>
  ['sh', '-c', BLOCKED, '_', dataDir(node), FENCE_MARKER_FILE, FENCE_BEGIN, fenceMarkPath(dataDir(node))];

/**
 * $1 the mark, $2 header, $3 who, $4 hba file. Written through a temporary file renamed over it (a reader never sees
 * half a mark); `since` is the host's clock. An existing mark keeps its time and author: the node is fenced since then.
 */
const MARK = `[ -f "$1" ] && grep -q '^since=' "$1" && { echo "$1 already marks the node as fenced"; exit 0; }
t="$1.tmp.$$"
printf '%s\\nsince=%s\\nby=%s\\nhba=%s\\n' "$2" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$3" "$4" > "$t" && mv -f -- "$t" "$1" || { rm -f -- "$t"; exit 1; }`;

/** Writes the fence mark beside the node's data directory (status/fenceMark.ts). */
export const fenceMarkArgv = (node: NodeDefinition, by: string, hbaFile: string): string[] =>
  ['sh', '-c', MARK, '_', fenceMarkPath(dataDir(node)), FENCE_MARK_HEADER, by, hbaFile];

/** Removes the fence mark (recover, once the node rejoins); exit 0 when there was none. */
export const fenceUnmarkArgv = (node: NodeDefinition): string[] => ['rm', '-f', '--', fenceMarkPath(dataDir(node))];

/** Exit 0 when the fence mark is there. */
export const fenceMarkedArgv = (node: NodeDefinition): string[] => ['test', '-f', fenceMarkPath(dataDir(node))];
