/**
 * What the panel's History shows, from the core timeline: pure (no `vscode` import), so it is unit-tested
 * without an editor. historyFeed.ts adapts it to the panel.
 */
import type { ClusterEvent } from '../../core/history/events';
import { isJournalSource, journalUnit } from '../../core/history/journal';
import { newestEvents } from '../../core/history/clusterHistory';
import type { HistoryEventView } from '../../shared/historyProtocol';

/** Events shown at most; older ones are counted, and whole groups are kept at the cut. */
export const PANEL_EVENT_LIMIT = 300;

export function whereText(e: ClusterEvent): string {
  if (e.ref.audit) return `operation (${e.ref.audit.replace(/^.*\//, '')})`;
  if (e.ref.file && isJournalSource(e.ref.file)) return `${e.origin}: journal of ${journalUnit(e.ref.file)}`;
  if (e.ref.file) return `${e.origin}:${e.ref.file}${e.ref.line !== undefined ? `:${e.ref.line}` : ''}`;
  return e.origin;
}

/** The newest events as the webview gets them, each with the id it names it by; the events behind the ids. */
export function historyViews(events: readonly ClusterEvent[], limit = PANEL_EVENT_LIMIT): { views: HistoryEventView[]; shown: ClusterEvent[]; omitted: number } {
  const shown = newestEvents(events, limit);
  const views = shown.map((e, id): HistoryEventView => ({
    id, time: e.time, origin: e.origin, kind: e.kind, severity: e.severity, message: e.message, where: whereText(e),
    ...(e.approximateTime ? { approximateTime: true } : {}), ...(e.node ? { node: e.node } : {}), ...(e.group ? { group: e.group } : {}),
  }));
  return { views, shown, omitted: events.length - shown.length };
}

/** Lines shown around an event's log line: `[first, last]`, 1-based, never before line 1. */
export function excerptRange(line: number, around = 40): { first: number; last: number } {
  const first = Math.max(1, line - around);
  return { first, last: line + around };
}

/** `audit.jsonl#14` -> the file and its 1-based line. */
export function auditRef(ref: string): { file: string; line: number } | undefined {
  const m = /^(.*)#(\d+)$/.exec(ref);
  return m ? { file: m[1]!, line: Number(m[2]) } : undefined;
}
