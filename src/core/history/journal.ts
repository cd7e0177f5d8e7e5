// pgpool's log when it is the systemd journal (Debian's and RHEL's packaged services write stderr there, and
// log_destination = 'syslog' lands there too): the unit found from the running pgpool's cgroup, read with
// journalctl from the last cursor, and turned into lines the pgpool log parser reads.
import type { RemoteHost } from '../remote/types';
import type { HostClock } from './events';
import { hostClock, LogReadError, runScript, type LogCursor, type LogPiece } from './logReader';

/** A journal source's `file` as stored and shown: `journal:pgpool2.service`. */
export const JOURNAL_PREFIX = 'journal:';
export const isJournalSource = (file: string): boolean => file.startsWith(JOURNAL_PREFIX);
export const journalUnit = (file: string): string => file.slice(JOURNAL_PREFIX.length);

/** Prints the service a process's cgroup file names (v1 `1:name=systemd:/system.slice/x.service`, v2 `0::/…`). */
export const CGROUP_UNIT = 'sed -n "s#^[0-9]*:[^:]*:.*/\\([^/]*\\.service\\)\\$#\\1#p"';

/**
 * The systemd unit of the running pgpool ($1: its config file, when known, as in PGPOOL_LOG_PROBE). Prints the
 * unit; exit 3 when no pgpool runs under a systemd service, 5 when journalctl is missing.
 */
export const PGPOOL_JOURNAL_PROBE = [
  'for pid in $(pgrep -x pgpool 2>/dev/null || pidof pgpool 2>/dev/null); do',
  '  if [ -n "$1" ]; then tr "\\0" "\\n" < "/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$1" || continue; fi',
  `  u=$(${CGROUP_UNIT} "/proc/$pid/cgroup" 2>/dev/null | head -n 1)`,
  '  [ -n "$u" ] || continue',
  '  command -v journalctl >/dev/null 2>&1 || { echo "pgpool runs as $u but journalctl is not installed" >&2; exit 5; }',
  '  echo "$u"; exit 0',
  'done',
  'exit 3',
].join('\n');

/** At most this many entries on the first read of a journal (older ones are history before the tool looked). */
export const FIRST_READ_ENTRIES = 20_000;

/** $1 unit, $2 cursor (empty on the first read), $3 entries on a first read; then the host's clock. */
const READ_SCRIPT = [
  'if [ -n "$2" ]; then journalctl --no-pager -q -o short-iso-precise --show-cursor -u "$1" --after-cursor="$2"',
  'else journalctl --no-pager -q -o short-iso-precise --show-cursor -u "$1" -n "$3"; fi || exit $?',
  'echo "-- clock: $(date +%s%3N) $(date +%z)"',
].join('\n');

// 2026-11-29T18:12:25.115234+0000 pg1 pgpool[812]: message   (the offset may be +00:00 on newer systemd)
const ENTRY = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)[+-]\d{2}:?\d{2} \S+ ([^\s[:]+)(?:\[(\d+)\])?: ?(.*)$/;
const HAS_STAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/;

/**
 * One journal line as a pgpool log line: pgpool's own line (its log_line_prefix has a time) stays as it is; a
 * line without one (systemd's "Started…", a prefix without %m, a script's bare echo) gets the journal's time and
 * its identifier (or the `name:` a script's line starts with), `2026-11-29 18:12:25.115 systemd: Started pgpool2.service`. Anything else is kept as it is,
 * for the parser to show raw.
 */
export function journalLineToLog(line: string): string {
  const m = ENTRY.exec(line);
  if (!m) return line;
  // log_destination = 'syslog' numbers each line `[29-1] ` before pgpool's own prefix.
  const message = m[5]!.replace(/^\[\d+-\d+\] /, '');
  if (HAS_STAMP.test(message)) return message;
  const time = m[2]!.length > 12 ? m[2]!.slice(0, 12) : m[2]!;
  // A script pgpool ran prints `failover.sh: …` to pgpool's stderr: the journal names pgpool, the line its script.
  const named = m[3] !== 'systemd' && /^[\w.-]+: /.test(message);
  return named ? `${m[1]} ${time} ${message}` : `${m[1]} ${time} ${m[3]}: ${message}`;
}

/** Splits journalctl's output into the log text, the new cursor and the clock line. */
export function splitJournalOutput(out: string): { text: string; entries: number; cursor?: string; epochMs?: string; zone?: string } {
  const lines: string[] = [];
  let cursor: string | undefined;
  let epochMs: string | undefined;
  let zone: string | undefined;
  for (const raw of out.split('\n')) {
    if (raw.startsWith('-- cursor: ')) { cursor = raw.slice('-- cursor: '.length).trim(); continue; }
    if (raw.startsWith('-- clock: ')) { [epochMs, zone] = raw.slice('-- clock: '.length).trim().split(' '); continue; }
    // "-- No entries --", "-- Boot …", "-- Logs begin at …": journalctl's own remarks.
    if (raw.startsWith('-- ') || raw === '') continue;
    lines.push(journalLineToLog(raw));
  }
  return { text: lines.length ? `${lines.join('\n')}\n` : '', entries: lines.length, ...(cursor ? { cursor } : {}), ...(epochMs ? { epochMs } : {}), ...(zone ? { zone } : {}) };
}

/**
 * Reads the unit's entries after the cursor (the newest FIRST_READ_ENTRIES on a first read) as one piece of
 * pgpool log text. Line numbers count the entries read from this source so far; an event links back to its
 * unit and time (`journalctl -u UNIT --since …`).
 */
export async function readJournal(
  host: RemoteHost, file: string, origin: string, cursor: LogCursor | undefined,
  onPiece: (piece: LogPiece, clock: HostClock) => void | Promise<void>, signal?: AbortSignal,
): Promise<{ cursor: LogCursor; clock: HostClock }> {
  const unit = journalUnit(file);
  const before = Date.now();
  const out = await runScript(host, READ_SCRIPT, [unit, cursor?.journalCursor ?? '', String(FIRST_READ_ENTRIES)], signal).catch((err: unknown) => {
    throw new LogReadError(`${err instanceof Error ? err.message : String(err)} (reading the journal of ${unit}; the SSH user may need to be in the systemd-journal or adm group)`);
  });
  const after = Date.now();
  const parts = splitJournalOutput(out);
  const clock = hostClock(origin, parts.epochMs, parts.zone, before, after);
  const line = cursor?.line ?? 0;
  if (parts.entries > 0) await onPiece({ file, text: parts.text, firstLine: line + 1 }, clock);
  const next = parts.cursor ?? cursor?.journalCursor;
  return { cursor: { file, inode: 0, offset: 0, line: line + parts.entries, ...(next ? { journalCursor: next } : {}) }, clock };
}
