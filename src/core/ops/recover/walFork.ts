/**
 * Did a node's WAL go past the point where the primary's timeline forked from it? If not, the node needs no
 * rewind and no copy: started as a standby (recovery_target_timeline = latest) it replays its own WAL up to
 * the fork and then follows the new timeline. This is the common case after a failover of an idle primary, and
 * it matters: pg_rewind (up to at least PostgreSQL 17) copies every file in the source's pg_wal in full, which
 * on a slow link costs as much as a base backup.
 *
 * Two facts, both read from the servers:
 * - the end of the node's WAL: the last record `pg_waldump` can read from the node's latest checkpoint on (the
 *   same reader crash recovery uses, so it stops where recovery would), plus that record's length;
 * - the fork point: the switch point of the node's timeline in the primary's timeline history file.
 */
import type { NodeDefinition } from '../../inventory/model';
import { formatLsn, parseLsn } from '../../db/lsn';
import { op, shellScript } from '../../remote/shellQuote';
import { bin, dataDir } from '../engine/pgCommands';


/** pg_waldump from the node's checkpoint on the node's timeline; only the last lines come back over SSH. */
export function waldumpScript(node: NodeDefinition, timeline: number, fromLsn: string): { script: string } {
  return {
    script: shellScript(['env', 'LC_ALL=C', bin(node, 'pg_waldump'), '-p', dataDir(node), '-t', String(timeline), '-s', fromLsn,
      op('2>&1'), op('|'), 'tail', '-n', '8']),
  };
}

const MAXALIGN = (n: bigint): bigint => (n + 7n) & ~7n;
/** XLogPageHeaderData (short) and XLogLongPageHeaderData (first page of a segment), MAXALIGNed. */
const SHORT_PAGE_HEADER = 24n;
const LONG_PAGE_HEADER = 40n;

/**
 * Where the record starting at `start` with `total` bytes ends in the WAL byte stream, counting the page
 * headers it crosses (what the WAL reader calls EndRecPtr).
 */
export function recordEnd(start: bigint, total: number, pageSize = 8192, segmentSize = 16 * 1024 * 1024): bigint {
  const page = BigInt(pageSize);
  const segment = BigInt(segmentSize);
  let pos = start;
  let left = BigInt(total);
  for (;;) {
    const room = page - (pos % page);
    const take = left < room ? left : room;
    pos += take;
    left -= take;
    if (left === 0n) return MAXALIGN(pos);
    pos += pos % segment === 0n ? LONG_PAGE_HEADER : SHORT_PAGE_HEADER;
  }
}

const RECORD = /len \(rec\/tot\):\s*\d+\/\s*(\d+),.*?\blsn: ([0-9A-Fa-f]+\/[0-9A-Fa-f]+)/;

/** The end of the last complete record in pg_waldump's output, or undefined when it printed no record. */
export function parseWalEnd(output: string, pageSize?: number, segmentSize?: number): string | undefined {
  let last: { lsn: bigint; total: number } | undefined;
  for (const line of output.split(/\r?\n/)) {
    const m = RECORD.exec(line);
    const lsn = m ? parseLsn(m[2]) : undefined;
    if (m && lsn !== undefined && (!last || lsn > last.lsn)) last = { lsn, total: Number(m[1]) };
  }
  return last ? formatLsn(recordEnd(last.lsn, last.total, pageSize, segmentSize)) : undefined;
}

/** Lines of a `0000000N.history` file: `parentTLI<TAB>switchpoint<TAB>reason`. */
export function parseTimelineHistory(text: string): Array<{ timeline: number; switchpoint: string }> {
  const out: Array<{ timeline: number; switchpoint: string }> = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [tli, lsn] = line.split(/\s+/);
    const timeline = Number(tli);
    if (Number.isInteger(timeline) && timeline > 0 && lsn && parseLsn(lsn) !== undefined) out.push({ timeline, switchpoint: lsn });
  }
  return out;
}

/** Where timeline `timeline` ends in the history, i.e. where the primary's line of history left it. */
export function forkPoint(history: string, timeline: number): string | undefined {
  return parseTimelineHistory(history).find((e) => e.timeline === timeline)?.switchpoint;
}

/**
 * True only when both facts are known and the node's WAL ends at or before the fork: then starting it as a
 * standby loses nothing and needs no rewind. Unknown means no.
 */
export function followsWithoutRewind(nodeWalEnd: string | undefined, fork: string | undefined): boolean {
  const end = parseLsn(nodeWalEnd);
  const at = parseLsn(fork);
  return end !== undefined && at !== undefined && end <= at;
}

/** The primary's history file name for its timeline (`pg_wal/00000002.history`; pg_xlog before 10). */
export function historyFilePath(timeline: number, walDir: string): string {
  return `${walDir}/${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;
}
