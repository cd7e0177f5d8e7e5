// Status transitions seen by the tool (a role, status or timeline changed; a problem appeared or cleared),
// kept with the history so the timeline shows what the tool saw between the logs' lines.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ClusterStatus } from '../status/model';
import type { ClusterEvent } from './events';

/** What is compared from one refresh to the next. */
export interface StatusSnapshot {
  readonly time: string;
  readonly nodes: Record<string, { role: string; status: string; timeline?: number }>;
  readonly problems: Record<string, string>;
}

export function snapshotOf(s: ClusterStatus): StatusSnapshot {
  return {
    time: s.refreshedAt,
    nodes: Object.fromEntries(s.nodes.map((n) => [n.name, { role: n.role, status: n.status, ...(n.postgres.timeline !== undefined ? { timeline: n.postgres.timeline } : {}) }])),
    problems: Object.fromEntries(s.problems.map((p) => [`${p.code}:${[...p.nodes].sort().join(',')}`, p.message])),
  };
}

/** The events between two snapshots; none for the first one seen. */
export function transitions(before: StatusSnapshot | undefined, after: StatusSnapshot, origin = 'status'): ClusterEvent[] {
  if (!before) return [];
  const out: ClusterEvent[] = [];
  const ev = (kind: string, severity: ClusterEvent['severity'], message: string, node?: string): void => {
    out.push({ time: after.time, source: 'status', origin, kind, severity, message, ref: {}, ...(node ? { node } : {}) });
  };
  for (const [name, now] of Object.entries(after.nodes)) {
    const was = before.nodes[name];
    if (!was) continue;
    if (was.role !== now.role) ev('role-changed', 'info', `${name}: ${was.role} -> ${now.role}`, name);
    if (was.status !== now.status) ev('status-changed', now.status === 'up' || now.status === 'waiting' ? 'info' : 'warning', `${name}: ${was.status} -> ${now.status}`, name);
    if (was.timeline !== undefined && now.timeline !== undefined && was.timeline !== now.timeline) ev('timeline-changed', 'info', `${name}: timeline ${was.timeline} -> ${now.timeline}`, name);
  }
  for (const [key, message] of Object.entries(after.problems)) {
    if (!(key in before.problems)) ev('problem', 'warning', message, key.split(':')[1]?.split(',')[0] || undefined);
  }
  for (const [key, message] of Object.entries(before.problems)) {
    if (!(key in after.problems)) ev('problem-cleared', 'info', `cleared: ${message}`, key.split(':')[1]?.split(',')[0] || undefined);
  }
  return out;
}

/** Compares with the last snapshot kept in `dir`, keeps the new one, returns the transitions. */
export async function recordStatus(dir: string, status: ClusterStatus): Promise<ClusterEvent[]> {
  const file = path.join(dir, 'last-status.json');
  let before: StatusSnapshot | undefined;
  try { before = JSON.parse(await fs.readFile(file, 'utf8')) as StatusSnapshot; } catch { /* first time */ }
  const after = snapshotOf(status);
  // An older refresh arriving late must not undo a newer one.
  if (before && before.time > after.time) return [];
  const events = transitions(before, after);
  // The auto-refresh runs every few seconds: write only when something changed (or the first time).
  if (before && events.length === 0) return [];
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(after), { mode: 0o600 });
  await fs.rename(tmp, file);
  return events;
}
