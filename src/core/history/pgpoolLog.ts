// pgpool-II's log lines (log_line_prefix '%m: %a pid %p: ', the default) and the lines its scripts print.
import type { EventSeverity } from './events';
import type { ClusterEvent } from './events';
import { eventsFromLines, type Classified, type LogContext, type ParsedLine } from './logLines';
import type { NodeLookup } from './nodeLookup';

const STAMP = String.raw`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?`;
// Before 4.2 the default prefix is '%t: pid %p: ' (no process name).
const PGPOOL_LINE = new RegExp(String.raw`^(${STAMP})(?: [A-Z]{2,5})?: (?:(.*?) )?pid (\d+): ([A-Z]+\d?):\s+(.*)$`);
/** The generated scripts (and many hand-written ones) print `date '+%F %T'` then `name: message`. */
const SCRIPT_LINE = new RegExp(String.raw`^(${STAMP}) ([\w.-]+): (.*)$`);
/** A pgpool line glued to the end of a script's output that had no newline. */
const GLUED = new RegExp(String.raw`\S(?=${STAMP}: [^\n]*? pid \d+: )`);
const STARTS_WITH_STAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/;

/** Splits `script output<pgpool line>` in two; a line that starts with a stamp is taken whole. */
function splitGlued(line: string): string[] {
  if (STARTS_WITH_STAMP.test(line)) return [line];
  const m = GLUED.exec(line);
  return m ? [line.slice(0, m.index + 1), line.slice(m.index + 1)] : [line];
}

export interface PgpoolParsed extends ParsedLine {
  readonly process?: string;
  readonly pid?: number;
  readonly script?: string;
}

export function parsePgpoolLine(line: string): PgpoolParsed | undefined {
  const m = PGPOOL_LINE.exec(line);
  if (m) return { stamp: m[1]!, ...(m[2] ? { process: m[2] } : {}), pid: Number(m[3]), level: m[4]!, message: m[5]! };
  const s = SCRIPT_LINE.exec(line);
  if (s) return { stamp: s[1]!, level: 'SCRIPT', script: s[2]!, message: s[3]! };
  return undefined;
}

interface Rule {
  readonly re: RegExp;
  readonly kind: string;
  readonly severity: EventSeverity;
  /** Which capture says the node: `id` (backend id) or `host` (host, then port). */
  readonly node?: 'id' | 'host';
}

// Order matters: the first match wins. Messages as pgpool-II 4.x prints them.
const RULES: readonly Rule[] = [
  { re: /^received degenerate backend request for node_id: (\d+)/, kind: 'degenerate-request', severity: 'warning', node: 'id' },
  { re: /^health check failed on node (\d+)/, kind: 'health-check-failed', severity: 'warning', node: 'id' },
  { re: /^health check retrying on DB node: (\d+)/, kind: 'health-check-retry', severity: 'warning', node: 'id' },
  { re: /failed to make persistent db connection|failed to connect to PostgreSQL server on "([^":]+)(?::(\d+))?"/, kind: 'backend-connect-failed', severity: 'warning', node: 'host' },
  { re: /^Pgpool-II parent process has received failover request/, kind: 'failover-request', severity: 'info' },
  { re: /^starting degeneration\. shutdown host (\S+)\((\d+)\)/, kind: 'degenerate', severity: 'warning', node: 'host' },
  { re: /^starting follow degeneration\. shutdown host (\S+)\((\d+)\)/, kind: 'follow-degenerate', severity: 'info', node: 'host' },
  { re: /^failover: set new primary node: (-?\d+)/, kind: 'new-primary', severity: 'info', node: 'id' },
  { re: /^failover: no (?:valid|new) primary node/i, kind: 'no-primary', severity: 'error' },
  { re: /^failover done\. shutdown host (\S+)\((\d+)\)/, kind: 'failover-done', severity: 'info', node: 'host' },
  { re: /^start triggering follow command/, kind: 'follow-start', severity: 'info' },
  { re: /^received failback request for node_id: (\d+)/, kind: 'failback-request', severity: 'info', node: 'id' },
  { re: /^failback done\. reconnect host (\S+)\((\d+)\)/, kind: 'failback-done', severity: 'info', node: 'host' },
  { re: /^invalid (?:failback|degenerate backend) request/, kind: 'request-refused', severity: 'warning' },
  { re: /quarantine/i, kind: 'quarantine', severity: 'warning' },
  { re: /failover (?:request|command) .*(?:ignored|rejected|cancelled)|unable to (?:perform|process) failover/i, kind: 'failover-refused', severity: 'warning' },
  { re: /waiting for the quorum to start escalation/i, kind: 'watchdog-quorum-wait', severity: 'warning' },
  { re: /quorum (?:is )?(?:lost|not (?:present|complete))|the cluster has lost the quorum/i, kind: 'watchdog-quorum-lost', severity: 'error' },
  { re: /quorum (?:is )?(?:found|complete)|the cluster has the quorum/i, kind: 'watchdog-quorum', severity: 'info' },
  { re: /I am the cluster leader node|I am announcing my self as (?:master|leader)/i, kind: 'watchdog-leader', severity: 'info' },
  { re: /resigning from (?:the )?(?:leader|master)|de-escalation/i, kind: 'watchdog-deescalation', severity: 'warning' },
  { re: /escalation/i, kind: 'watchdog-escalation', severity: 'info' },
  { re: /new watchdog node connection is received|is lost|remote node .* is (?:shutting down|lost)/i, kind: 'watchdog-membership', severity: 'info' },
  { re: /successfully started|pgpool-II .*started/i, kind: 'pgpool-started', severity: 'info' },
  { re: /received (?:smart|fast|immediate) shutdown request|shutdown request\. shutting down/i, kind: 'pgpool-stopping', severity: 'warning' },
  { re: /failover or failback event detected|^find_primary_node|^verify_backend_node_status|^unable to read data from frontend|^frontend (?:terminated|client)|^client (?:connection|terminated)/, kind: 'detail', severity: 'detail' },
];

function nodeOf(rule: Rule, m: RegExpExecArray, nodes: NodeLookup): string | undefined {
  if (rule.node === 'id' && m[1] !== undefined) return nodes.byId(Number(m[1]));
  if (rule.node === 'host' && m[1] !== undefined) return nodes.byHost(m[1], m[2] !== undefined ? Number(m[2]) : undefined);
  return undefined;
}

export function classifyPgpool(p: PgpoolParsed, nodes: NodeLookup): Classified {
  if (p.script) {
    const failed = /\berror\b|cannot|could not|refus|failed (?:to|on|with|:)|\bfails\b|\(\) failed/i.test(p.message);
    const script = p.script.replace(/\.sh$/, '');
    const id = /\bnode (\d+)\b/.exec(p.message);
    const node = id ? nodes.byId(Number(id[1])) : undefined;
    return { kind: `script:${script}`, severity: failed ? 'error' : 'info', ...(node ? { node } : {}) };
  }
  if (p.level === 'DETAIL' || p.level === 'HINT' || p.level === 'CONTEXT' || p.level === 'LOCATION' || p.level.startsWith('DEBUG')) {
    return { kind: 'detail', severity: 'detail' };
  }
  if (p.message.startsWith('execute command: ')) {
    const cmd = p.message.slice('execute command: '.length);
    const program = cmd.split(/\s+/)[0] ?? '';
    const kind = /follow/i.test(program) || p.process === 'follow_child' ? 'follow-command'
      : /failback/i.test(program) ? 'failback-command' : /failover/i.test(program) ? 'failover-command' : 'command';
    const args = cmd.split(/\s+/);
    // The generated and the sample scripts take %d (the failed or followed node's id) first.
    const node = /^\d+$/.test(args[1] ?? '') ? nodes.byId(Number(args[1])) : undefined;
    return { kind, severity: 'info', ...(node ? { node } : {}) };
  }
  for (const rule of RULES) {
    const m = rule.re.exec(p.message);
    if (!m) continue;
    const node = nodeOf(rule, m, nodes);
    return { kind: rule.kind, severity: rule.severity, ...(node ? { node } : {}) };
  }
  if (p.level === 'FATAL' || p.level === 'ERROR' || p.level === 'PANIC') return { kind: 'error', severity: 'error' };
  if (p.level === 'WARNING') return { kind: 'warning', severity: 'warning' };
  return { kind: 'log', severity: 'detail' };
}

/** pgpool's log text as events; unknown lines are kept raw. */
export function parsePgpoolLog(text: string, ctx: LogContext): { events: ClusterEvent[]; lastTime?: string } {
  return eventsFromLines(text, ctx, 'pgpool', parsePgpoolLine, (p) => classifyPgpool(p, ctx.nodes), splitGlued);
}
