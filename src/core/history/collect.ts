// Reads what is new in pgpool's and the servers' logs over SSH and keeps it in the cluster's history.
import type { ClusterDefinition } from '../inventory/model';
import { shellQuote } from '../remote/shellQuote';
import type { RemoteHost } from '../remote/types';
import type { ClusterEvent, HostClock } from './events';
import type { LogContext } from './logLines';
import { LogReadError, probeLog, readNewLines, type LogCursor } from './logReader';
import { isJournalSource, JOURNAL_PREFIX, PGPOOL_JOURNAL_PROBE, readJournal } from './journal';
import { nodeLookup } from './nodeLookup';
import { parsePgpoolLog } from './pgpoolLog';
import { parsePostgresLog } from './postgresLog';
import type { HistoryStore } from './store';

/**
 * The log file a running pgpool writes to: its stderr (or stdout), when that is a file. With the config file
 * known ($1), only the pgpool started with it counts (one host may run several); without, exactly one must run.
 */
export const PGPOOL_LOG_PROBE = [
  'found=""; n=0',
  'for pid in $(pgrep -x pgpool 2>/dev/null || pidof pgpool 2>/dev/null); do',
  '  if [ -n "$1" ]; then tr "\\0" "\\n" < "/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$1" || continue; fi',
  '  for fd in 2 1; do p=$(readlink "/proc/$pid/fd/$fd" 2>/dev/null) || continue',
  '    case $p in /*) if [ -f "$p" ] && [ "$p" != "$found" ]; then found=$p; n=$((n+1)); fi; break;; esac',
  '  done',
  'done',
  '[ "$n" = 1 ] && { echo "$found"; exit 0; }',
  '[ "$n" -gt 1 ] && { echo "several pgpool processes write to different files; name the config file (configFile) in the cluster file" >&2; exit 4; }',
  'exit 3',
].join('\n');

/** A PostgreSQL server's log: `current_logfiles` (logging collector) or the postmaster's stderr when a file. */
export const POSTGRES_LOG_PROBE = [
  'd=$1',
  'if [ -r "$d/current_logfiles" ]; then f=$(sed -n "s/^stderr //p" "$d/current_logfiles" | head -n 1)',
  '  case $f in "") ;; /*) echo "$f"; exit 0;; *) echo "$d/$f"; exit 0;; esac',
  'fi',
  'pid=$(head -n 1 "$d/postmaster.pid" 2>/dev/null) || exit 3',
  'for fd in 2 1; do p=$(readlink "/proc/$pid/fd/$fd" 2>/dev/null) || continue',
  '  case $p in /*) [ -f "$p" ] && { echo "$p"; exit 0; };; esac',
  'done',
  'exit 3',
].join('\n');

export interface LogSource {
  /** pgpool's or the node's name in the cluster file. */
  readonly origin: string;
  readonly kind: 'pgpool' | 'postgres';
  readonly file: string;
}

export interface CollectResult {
  readonly added: number;
  readonly sources: readonly LogSource[];
  readonly clocks: readonly HostClock[];
  /** What could not be read, one sentence each (an unreachable host, a log not found). */
  readonly problems: readonly string[];
}

/** Which events are kept: everything but pgpool's chatter (DETAIL lines and unclassified LOG lines). */
export const keep = (e: Pick<ClusterEvent, 'severity'>): boolean => e.severity !== 'detail';

export async function discoverLogs(
  cluster: ClusterDefinition, remote: (name: string) => RemoteHost, signal?: AbortSignal,
): Promise<{ sources: LogSource[]; problems: string[] }> {
  const sources: LogSource[] = [];
  const problems: string[] = [];
  await Promise.all([
    ...cluster.pgpool.map(async (p) => {
      try {
        const r = await remote(p.name).exec(['sh', '-c', PGPOOL_LOG_PROBE, 'sh', p.configFile ?? ''], { timeoutMs: 15_000, ...(signal ? { signal } : {}) });
        const file = r.stdout.trim();
        if (r.code === 0 && file) { sources.push({ origin: p.name, kind: 'pgpool', file }); return; }
        if (r.code === 4) { problems.push(`${p.name}: ${r.stderr.trim()}`); return; }
        // Not a file: a pgpool run by systemd writes to the journal (stderr, and syslog when log_destination says so).
        const j = await remote(p.name).exec(['sh', '-c', PGPOOL_JOURNAL_PROBE, 'sh', p.configFile ?? ''], { timeoutMs: 15_000, ...(signal ? { signal } : {}) });
        const unit = j.stdout.trim();
        if (j.code === 0 && unit) sources.push({ origin: p.name, kind: 'pgpool', file: `${JOURNAL_PREFIX}${unit}` });
        else if (j.code === 5) problems.push(`${p.name}: ${j.stderr.trim()}`);
        else problems.push(`${p.name}: pgpool's log was not found (no running pgpool${p.configFile ? ` started with ${p.configFile}` : ''} writes to a file or runs as a systemd service; a syslog file is not read)`);
      } catch (err) {
        problems.push(`${p.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
    ...cluster.nodes.map(async (n) => {
      if (!n.dataDirectory) { problems.push(`${n.name}: no dataDirectory in the cluster file; its server log is not read`); return; }
      try {
        const r = await remote(n.name).exec(['sh', '-c', POSTGRES_LOG_PROBE, 'sh', n.dataDirectory], { timeoutMs: 15_000, ...(signal ? { signal } : {}) });
        const file = r.stdout.trim();
        if (r.code === 0 && file) sources.push({ origin: n.name, kind: 'postgres', file });
        else problems.push(`${n.name}: the server's log was not found (server down, or it logs to syslog/eventlog)`);
      } catch (err) {
        problems.push(`${n.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
  ]);
  sources.sort((a, b) => a.origin.localeCompare(b.origin));
  return { sources, problems };
}

const cursorKey = (s: LogSource): string => `${s.kind}:${s.origin}`;

/** Reads every source's new lines and appends their events to the store. */
export async function collectHistory(
  cluster: ClusterDefinition, remote: (name: string) => RemoteHost, store: HistoryStore, signal?: AbortSignal,
): Promise<CollectResult> {
  const { sources, problems } = await discoverLogs(cluster, remote, signal);
  const cursors = await store.cursors();
  const nodes = nodeLookup(cluster);
  const clocks: HostClock[] = [];
  let added = 0;
  for (const s of sources) {
    const host = remote(s.origin);
    try {
      const before = cursors[cursorKey(s)];
      if (isJournalSource(s.file)) {
        const cursor = before && before.file === s.file ? before : undefined;
        let lastTime = cursor?.lastTime;
        const { cursor: next, clock } = await readJournal(host, s.file, s.origin, cursor, async (piece, pieceClock) => {
          const parsed = parsePgpoolLog(piece.text, { origin: s.origin, file: piece.file, firstLine: piece.firstLine, clock: pieceClock, nodes, keep, ...(lastTime ? { lastTime } : {}) });
          lastTime = parsed.lastTime ?? lastTime;
          const kept = parsed.events.filter(keep);
          added += kept.length;
          await store.append(kept);
        }, signal);
        clocks.push(clock);
        cursors[cursorKey(s)] = { ...next, ...(lastTime ? { lastTime } : {}) };
        await store.saveCursors(cursors);
        continue;
      }
      const { probe, clock } = await probeLog(host, s.file, s.origin, signal);
      clocks.push(clock);
      // A log file that changed name (pgpool restarted with another -l) starts from its beginning.
      const cursor: LogCursor | undefined = before && before.file === s.file ? before : undefined;
      let lastTime = cursor?.lastTime;
      const next = await readNewLines(host, s.file, cursor, probe, async (piece) => {
        const ctx: LogContext = { origin: s.origin, file: piece.file, firstLine: piece.firstLine, clock, nodes, keep, ...(lastTime ? { lastTime } : {}) };
        const parsed = s.kind === 'pgpool' ? parsePgpoolLog(piece.text, ctx) : parsePostgresLog(piece.text, ctx, s.origin);
        lastTime = parsed.lastTime ?? lastTime;
        const kept = parsed.events.filter(keep);
        added += kept.length;
        await store.append(kept);
      }, signal);
      cursors[cursorKey(s)] = { ...next, ...(lastTime ? { lastTime } : {}) };
      await store.saveCursors(cursors);
    } catch (err) {
      if (signal?.aborted) throw err;
      problems.push(`${s.origin}: ${err instanceof LogReadError ? err.message : err instanceof Error ? err.message : String(err)} (${shellQuote(s.file)})`);
    }
  }
  return { added, sources, clocks, problems };
}
