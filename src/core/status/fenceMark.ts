/**
 * The fence mark: a small file beside a fenced node's data directory (`<PGDATA>.pgpool-cluster-fenced`, in the data
 * directory's parent), written by `fence`, read by `status` and by the follow_primary script configure-pgpool
 * generates (which then leaves the node alone), removed by `recover` once the node rejoins. It lives outside the
 * data directory because pg_rewind, which follow_primary runs, makes the target's files those of the source: a file
 * only the target has is removed, pg_hba.conf is replaced. Lines `key=value`: since (UTC), by (user@workstation),
 * hba (the file the fence's pg_hba block is in).
 */

/** Appended to the data directory's path (trailing slashes dropped). */
export const FENCE_MARK_SUFFIX = '.pgpool-cluster-fenced';

/** The mark's first line, what a reader of the host's files sees. */
export const FENCE_MARK_HEADER = '# pgpool-cluster fence: pgpool\'s follow_primary leaves this node alone; "pgpool-cluster recover" removes this file';

export interface FenceMark {
  /** When the fence was made, as the node's host clock said (ISO 8601, UTC); undefined when the mark does not say. */
  readonly since?: string;
  /** Who fenced it (user@workstation). */
  readonly by?: string;
  /** The hba file the fence's block was written into. */
  readonly hba?: string;
}

export function fenceMarkPath(dataDirectory: string): string {
  return `${dataDirectory.replace(/\/+$/, '')}${FENCE_MARK_SUFFIX}`;
}

/** The mark's text as fence writes it (the host fills in `since`: its own clock). */
export function parseFenceMark(text: string): FenceMark {
  const out: { since?: string; by?: string; hba?: string } = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (line.startsWith('#') || at <= 0) continue;
    const key = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    if (!value) continue;
    if (key === 'since' || key === 'by' || key === 'hba') out[key] = value;
  }
  return out;
}

/** One line for people: "since 2026-11-30T03:01:02Z by ops@laptop" (the parts the mark has). */
export function describeFenceMark(mark: FenceMark): string {
  const parts = [mark.since ? `since ${mark.since}` : '', mark.by ? `by ${mark.by}` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : 'since an unknown time (the mark does not say)';
}

/** Prints the mark and exits 0 when the node is fenced; exit 3 when it is not (no mark). $1: the mark's path. */
export const fenceMarkReadArgv = (dataDirectory: string): string[] =>
  ['sh', '-c', '[ -f "$1" ] || exit 3; cat -- "$1"', '_', fenceMarkPath(dataDirectory)];
