// One cluster's timeline as both the CLI (`events`) and the editor's panel show it: what was read, merged with
// the tool's own operations, grouped, filtered and explained.
import { readFile } from 'node:fs/promises';
import { parseConf } from '../conf/parser';
import type { ClusterDefinition } from '../inventory/model';
import type { AuditRecord } from '../ops/engine/audit';
import type { RemoteHost } from '../remote/types';
import type { ClusterStatus } from '../status/model';
import { mergeEvents, type ClusterEvent } from './events';
import type { HistoryStore } from './store';
import { auditEvents, groupEvents, type ExplainFacts } from './timeline';

/** The audit log's records; a torn last line (a write cut short) is skipped, a missing file is no records. */
export async function readAuditFile(file: string): Promise<AuditRecord[]> {
  let text = '';
  try { text = await readFile(file, 'utf8'); } catch { return []; }
  const out: AuditRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try { out.push(JSON.parse(line) as AuditRecord); } catch { /* a torn line */ }
  }
  return out;
}

export interface TimelineFilter {
  /** Earliest time shown, in ms since the epoch. */
  readonly since?: number;
  /** Only events about this node (by its cluster-file name). */
  readonly node?: string;
}

/** Stored events and the tool's operations, in time order, grouped, then filtered (grouping sees everything). */
export async function loadTimeline(store: HistoryStore, clusterName: string, auditFile: string, filter: TimelineFilter = {}): Promise<ClusterEvent[]> {
  const all = groupEvents(mergeEvents(await store.events(), auditEvents(await readAuditFile(auditFile), clusterName, auditFile)));
  return all.filter((e) => (filter.since === undefined || Date.parse(e.time) >= filter.since) && (!filter.node || e.node === filter.node));
}

/**
 * What `explain` needs beside the events: the nodes pgpool lists as down (from a status) and pgpool's
 * health_check_period (from its config file, read on its host). Each part is left out when it cannot be known.
 */
export async function gatherExplainFacts(
  cluster: ClusterDefinition, status: ClusterStatus | undefined, remote: (name: string) => RemoteHost,
): Promise<ExplainFacts> {
  const facts: { healthCheckPeriod?: number; downInPgpool?: string[] } = {};
  if (status) facts.downInPgpool = status.nodes.filter((n) => n.pgpool?.status === 'down').map((n) => n.name);
  const p = cluster.pgpool[0];
  if (p?.configFile) {
    try {
      const conf = parseConf((await remote(p.name).readFile(p.configFile)).toString('utf8'), 'pgpool');
      const hc = [...conf.entries].reverse().find((e) => e.key === 'health_check_period');
      const period = hc ? Number(hc.value) : 0;
      if (Number.isFinite(period)) facts.healthCheckPeriod = period;
    } catch { /* unreadable: no such explanation */ }
  }
  return facts;
}

/** The newest `limit` events, keeping whole groups where the cut falls inside one. */
export function newestEvents(events: readonly ClusterEvent[], limit: number): ClusterEvent[] {
  if (events.length <= limit) return [...events];
  let start = events.length - limit;
  const group = events[start]?.group;
  if (group !== undefined) while (start > 0 && events[start - 1]?.group === group && events.length - start < limit * 2) start--;
  return events.slice(start);
}
