// PostgreSQL's log lines (log_line_prefix '%m [%p] ' and Debian's '%m [%p] %q%u@%d ').
import type { ClusterEvent, EventSeverity } from './events';
import { eventsFromLines, type Classified, type LogContext, type ParsedLine } from './logLines';

const LINE = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)(?: [A-Za-z][\w+-]{1,5})? \[(\d+)\] (?:\S*@\S* )?([A-Z]+\d?):\s+(.*)$/;

export function parsePostgresLine(line: string): ParsedLine | undefined {
  const m = LINE.exec(line);
  return m ? { stamp: m[1]!, level: m[3]!, message: m[4]! } : undefined;
}

const RULES: ReadonlyArray<readonly [RegExp, string, EventSeverity]> = [
  [/^received promote request/, 'promote-request', 'info'],
  [/^selected new timeline ID: \d+/, 'timeline-switch', 'info'],
  [/^database system is ready to accept read-only connections/, 'ready-standby', 'info'],
  [/^database system is ready to accept connections/, 'ready', 'info'],
  [/^started streaming WAL from primary/, 'streaming-started', 'info'],
  [/^replication terminated by primary server/, 'replication-terminated', 'warning'],
  [/^requested timeline \d+ is not a child of this server's history/, 'timeline-not-child', 'error'],
  [/^requested timeline \d+ does not contain minimum recovery point/, 'timeline-not-child', 'error'],
  [/^could not (?:connect to the primary server|start WAL streaming|receive data from WAL stream)/, 'replication-connect-failed', 'warning'],
  [/^lock file "postmaster\.pid" already exists/, 'start-failed', 'error'],
  [/^pre-existing shared memory block .* is still in use/, 'start-failed', 'error'],
  [/^received (?:smart|fast|immediate) shutdown request/, 'shutdown-request', 'warning'],
  [/^database system is shut down/, 'shutdown', 'warning'],
  [/^database system was interrupted|^database system was not properly shut down/, 'crash-recovery', 'warning'],
  [/^redo done at|^archive recovery complete/, 'recovery-done', 'info'],
  [/^entering standby mode/, 'standby-mode', 'info'],
  [/^No space left on device|could not (?:write|extend) .*No space left on device/, 'disk-full', 'error'],
  // The fence guard (ops/setup/fenceGuard.ts) leaves its reason as a WARNING just before it stops the server.
  [/^pgpool-cluster fence guard: stopping /, 'guard-stop', 'warning'],
];

export function classifyPostgres(p: ParsedLine, node: string): Classified {
  for (const [re, kind, severity] of RULES) if (re.test(p.message)) return { kind, severity, node };
  if (/No space left on device/.test(p.message)) return { kind: 'disk-full', severity: 'error', node };
  if (p.level === 'FATAL' || p.level === 'PANIC') return { kind: 'error', severity: 'error', node };
  if (p.level === 'ERROR') return { kind: 'error', severity: 'warning', node };
  if (p.level === 'WARNING') return { kind: 'warning', severity: 'warning', node };
  return { kind: p.level === 'LOG' ? 'log' : 'detail', severity: 'detail', node };
}

/** A node's server log text as events about that node; unknown lines are kept raw. */
export function parsePostgresLog(text: string, ctx: LogContext, node: string): { events: ClusterEvent[]; lastTime?: string } {
  return eventsFromLines(text, ctx, 'postgres', parsePostgresLine, (p) => classifyPostgres(p, node));
}
