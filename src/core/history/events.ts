/** One cluster's history: events from pgpool's log, the servers' logs, status transitions and the tool's operations. */

export type EventSource = 'pgpool' | 'postgres' | 'status' | 'operation';
export type EventSeverity = 'detail' | 'info' | 'warning' | 'error';

export interface ClusterEvent {
  /** Workstation time (ISO), after the host's clock skew was corrected. */
  readonly time: string;
  /** The time as the host wrote it, when it differs from `time` (skew corrected or zone applied). */
  readonly hostTime?: string;
  readonly source: EventSource;
  /** The host or pgpool/node name it came from, as the cluster file names it. */
  readonly origin: string;
  /** The node the event is about, by its cluster-file name, when known. */
  readonly node?: string;
  /** What happened, e.g. `degenerate-request`, `failover-command`, `timeline-switch`, `raw` (an unknown line). */
  readonly kind: string;
  readonly severity: EventSeverity;
  readonly message: string;
  /** Where it came from: a log file and line, or an audit record. */
  readonly ref: { readonly file?: string; readonly line?: number; readonly audit?: string };
  /** The group it belongs to (one failover, one operation), filled by `groupEvents`. */
  readonly group?: string;
  /** True when the time is the previous line's (the line had none of its own). */
  readonly approximateTime?: boolean;
}

/** Host clock against the workstation's, measured when its log was read. */
export interface HostClock {
  readonly origin: string;
  /** Host minus workstation, in milliseconds (positive: the host is ahead). */
  readonly skewMs: number;
  /** The host's UTC offset as `date +%z` prints it, e.g. `+0100`. */
  readonly utcOffset: string;
}

/** `+0130` -> minutes east of UTC. */
export function offsetMinutes(utcOffset: string): number {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(utcOffset.trim());
  if (!m) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

/**
 * A log's local timestamp (`2026-11-29 18:12:25.115`, zone given by the host's offset) as workstation time:
 * the zone applied, the host's skew taken off. Returns undefined for a malformed stamp.
 */
export function toWorkstationTime(localStamp: string, clock: Pick<HostClock, 'skewMs' | 'utcOffset'>): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(localStamp);
  if (!m) return undefined;
  const ms = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms);
  if (!Number.isFinite(utc)) return undefined;
  return new Date(utc - offsetMinutes(clock.utcOffset) * 60_000 - clock.skewMs);
}

/** Events in time order; equal times keep their reading order (a log's own order). */
export function mergeEvents(...lists: ReadonlyArray<readonly ClusterEvent[]>): ClusterEvent[] {
  const all = lists.flatMap((l, li) => l.map((e, i) => ({ e, li, i })));
  all.sort((a, b) => (a.e.time < b.e.time ? -1 : a.e.time > b.e.time ? 1 : a.li - b.li || a.i - b.i));
  return all.map((x) => x.e);
}
