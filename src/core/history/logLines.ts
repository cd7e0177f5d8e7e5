import type { ClusterEvent, EventSeverity, HostClock } from './events';
import { offsetMinutes } from './events';
import type { NodeLookup } from './nodeLookup';

/** What a log parser is told about the chunk it reads. */
export interface LogContext {
  readonly origin: string;
  readonly file: string;
  /** Line number (1-based) of the chunk's first line in the file. */
  readonly firstLine: number;
  readonly clock: Pick<HostClock, 'skewMs' | 'utcOffset'>;
  readonly nodes: NodeLookup;
  /** Time of the last line with a time before this chunk (for lines that carry none). */
  readonly lastTime?: string;
  /** Which classified lines become events (default: all). Chatter is dropped before any object is built. */
  readonly keep?: (c: Classified) => boolean;
}

export interface Classified {
  readonly kind: string;
  readonly severity: EventSeverity;
  readonly node?: string;
}

export interface ParsedLine {
  readonly stamp: string;
  readonly level: string;
  readonly message: string;
}

/** Local stamps -> workstation ms, with the seconds part cached (a log has many lines per second). */
function stampConverter(clock: LogContext['clock']): (stamp: string) => number | undefined {
  const shift = offsetMinutes(clock.utcOffset) * 60_000 + clock.skewMs;
  let lastPrefix = '';
  let lastBase = 0;
  return (stamp) => {
    const prefix = stamp.slice(0, 19);
    if (prefix !== lastPrefix) {
      const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(prefix);
      if (!m) return undefined;
      lastBase = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) - shift;
      if (!Number.isFinite(lastBase)) return undefined;
      lastPrefix = prefix;
    }
    const frac = stamp.length > 20 ? stamp.slice(20, 23).padEnd(3, '0') : '';
    return lastBase + (frac ? Number(frac) : 0);
  };
}

/**
 * Turns a chunk of log text into events: each line parsed by `parse` and classified by `classify`; a line
 * that does not parse is kept as a `raw` event at the previous line's time, never dropped.
 */
export function eventsFromLines(
  text: string, ctx: LogContext, source: ClusterEvent['source'],
  parse: (line: string) => ParsedLine | undefined, classify: (p: ParsedLine) => Classified,
  split: (line: string) => string[] = (l) => [l],
): { events: ClusterEvent[]; lastTime?: string } {
  const events: ClusterEvent[] = [];
  const toMs = stampConverter(ctx.clock);
  const parsedLast = ctx.lastTime ? Date.parse(ctx.lastTime) : undefined;
  let lastMs = parsedLast !== undefined && Number.isFinite(parsedLast) ? parsedLast : undefined;
  let lineNo = ctx.firstLine - 1;
  let start = 0;
  // What became of the last line with a time: an indented line after it continues its message.
  let previous: 'kept' | 'dropped' | undefined;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let whole = text.slice(start, end);
    if (whole.endsWith('\r')) whole = whole.slice(0, -1);
    start = end + 1;
    lineNo++;
    if (whole.trim() === '') continue;
    if ((whole.startsWith('\t') || whole.startsWith('  ')) && previous !== undefined) {
      const last = events[events.length - 1];
      if (previous === 'kept' && last) events[events.length - 1] = { ...last, message: `${last.message} ${whole.trim()}` };
      continue;
    }
    previous = undefined;
    for (const line of split(whole)) {
      const p = parse(line);
      const at = p ? toMs(p.stamp) : undefined;
      if (p && at !== undefined) {
        // A stamp in whole seconds (a script's `date '+%F %T'`) inside the second of the line before it keeps
        // the log's order instead of sorting before the millisecond lines that caused it.
        const t = p.stamp.length <= 19 && lastMs !== undefined && lastMs >= at && lastMs < at + 1000 ? lastMs : at;
        lastMs = t;
        const c = classify(p);
        if (ctx.keep && !ctx.keep(c)) {
          previous = 'dropped';
          continue;
        }
        previous = 'kept';
        events.push({
          time: new Date(t).toISOString(), source, origin: ctx.origin, kind: c.kind, severity: c.severity, message: p.message,
          ref: { file: ctx.file, line: lineNo }, ...(c.node ? { node: c.node } : {}),
          ...(ctx.clock.skewMs !== 0 ? { hostTime: p.stamp } : {}),
        });
      } else {
        events.push({
          time: new Date(lastMs ?? 0).toISOString(), source, origin: ctx.origin, kind: 'raw', severity: 'info', message: line,
          ref: { file: ctx.file, line: lineNo }, approximateTime: true,
        });
      }
    }
  }
  return { events, ...(lastMs !== undefined ? { lastTime: new Date(lastMs).toISOString() } : {}) };
}
