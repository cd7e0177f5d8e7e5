// Grouping related events (one failover, one operation) and one-sentence answers to the usual questions.
import type { AuditRecord } from '../ops/engine/audit';
import type { ClusterEvent } from './events';

/** The tool's own operations from the audit log: a start and an end event each. */
export function auditEvents(records: readonly AuditRecord[], cluster: string, auditFile: string): ClusterEvent[] {
  const out: ClusterEvent[] = [];
  records.forEach((r, i) => {
    if (r.cluster !== cluster || r.dryRun || !r.outcome) return;
    const end = Date.parse(r.time);
    if (!Number.isFinite(end)) return;
    const start = new Date(end - r.outcome.durationMs).toISOString();
    const base = { source: 'operation' as const, origin: r.actor, node: r.node, ref: { audit: `${auditFile}#${i + 1}` } };
    out.push({ ...base, time: start, kind: `${r.operation}-start`, severity: 'info', message: `${r.operation} ${r.node} started (${r.via}, ${r.actor})` });
    const outcome = r.outcome.ok ? 'done' : r.outcome.cancelled ? 'cancelled' : 'failed';
    out.push({ ...base, time: r.time, kind: `${r.operation}-${outcome}`, severity: r.outcome.ok ? 'info' : 'error', message: r.outcome.message });
  });
  return out;
}

const OPENS_INCIDENT = new Set(['health-check-failed', 'backend-connect-failed', 'degenerate-request', 'failover-request', 'failback-request', 'watchdog-quorum-lost']);
const GAP_MS = 30_000;

/**
 * Gives related events one `group`: everything pgpool and the servers log while one of the tool's operations
 * runs belongs to it; otherwise an incident opens with a health-check failure, a degenerate or failback request
 * and takes what follows until 30 s pass quietly (detection -> degenerate -> failover.sh -> promote ->
 * follow_primary -> attach). Events must be in time order.
 */
export function groupEvents(events: readonly ClusterEvent[]): ClusterEvent[] {
  const windows: Array<{ from: number; to: number; id: string; audit?: string }> = [];
  for (const e of events) {
    if (e.source !== 'operation' || !e.kind.endsWith('-start')) continue;
    const from = Date.parse(e.time);
    const op = e.kind.slice(0, -'-start'.length);
    const end = events.find((x) => x.source === 'operation' && x.ref.audit === e.ref.audit && x !== e);
    windows.push({ from, to: (end ? Date.parse(end.time) : from) + 5_000, id: `${op} ${e.node ?? ''} ${e.time}`.replace(/\s+/g, ' '), ...(e.ref.audit ? { audit: e.ref.audit } : {}) });
  }
  let open: { id: string; last: number } | undefined;
  return events.map((e) => {
    const t = Date.parse(e.time);
    // An operation's own start and end are its group; anything else belongs to the latest operation running
    // then (one that starts within the 5 s tail of the one before is the one that logged it).
    const own = e.source === 'operation' && e.ref.audit ? windows.find((x) => x.audit === e.ref.audit) : undefined;
    const w = own ?? windows.filter((x) => t >= x.from && t <= x.to).pop();
    if (w) return { ...e, group: w.id };
    if (open && t - open.last > GAP_MS) open = undefined;
    if (!open && OPENS_INCIDENT.has(e.kind)) open = { id: `incident ${e.time}`, last: t };
    if (!open || e.source === 'operation') return e;
    if (e.severity !== 'detail') open.last = t;
    return { ...e, group: open.id };
  });
}

export interface ExplainFacts {
  /** pgpool.conf's health_check_period (0 turns health checks off). */
  readonly healthCheckPeriod?: number;
  /** Nodes pgpool lists as down now. */
  readonly downInPgpool?: readonly string[];
}

const clock = (iso: string): string => iso.slice(11, 19);

/** One sentence per question a user asks of the history; the newest cause first. */
export function explain(events: readonly ClusterEvent[], facts: ExplainFacts = {}): string[] {
  const out: string[] = [];
  const newest = [...events].reverse();
  for (const node of facts.downInPgpool ?? []) {
    const follow = newest.find((e) => e.node === node && e.kind === 'script:follow_primary' && e.severity === 'error');
    const degenerate = newest.find((e) => e.node === node && (e.kind === 'degenerate-request' || e.kind === 'degenerate' || e.kind === 'follow-degenerate'));
    if (follow) out.push(`${node} is down in pgpool because follow_primary failed at ${clock(follow.time)}: ${follow.message}`);
    else if (degenerate) out.push(`${node} is down in pgpool since ${clock(degenerate.time)} (${degenerate.kind.replace(/-/g, ' ')}): nothing attached it again; recover or attach it.`);
  }
  if (facts.healthCheckPeriod === 0) {
    const failure = newest.find((e) => e.kind === 'backend-connect-failed' || e.kind === 'shutdown' || e.kind === 'error');
    const failed = newest.find((e) => e.kind === 'failover-request');
    if (!failed || (failure && failure.time > failed.time)) {
      out.push('failover did not run because health_check_period is 0: pgpool notices a dead primary only when a client connection to it fails.');
    }
  }
  const quorum = newest.find((e) => e.kind === 'watchdog-quorum-lost' || e.kind === 'watchdog-quorum');
  if (quorum?.kind === 'watchdog-quorum-lost') out.push(`quorum was lost at ${clock(quorum.time)}: failover waits until more than half of the pgpool nodes see each other.`);
  for (const e of newest.filter((x) => x.kind === 'timeline-not-child').slice(0, 3)) {
    out.push(`${e.node ?? e.origin} cannot follow the primary since ${clock(e.time)}: its timeline is not a child of the primary's (recover it).`);
  }
  const refused = newest.find((e) => e.kind === 'failover-refused' || e.kind === 'quarantine');
  if (refused) out.push(`pgpool did not fail over at ${clock(refused.time)}: ${refused.message}`);
  for (const e of newest.filter((x) => x.kind === 'start-failed').slice(0, 3)) out.push(`${e.node ?? e.origin} failed to start at ${clock(e.time)}: ${e.message}`);
  return out;
}
