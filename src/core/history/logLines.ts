import type { ClusterEvent, EventSeverity, HostClock } from './events';
import { toWorkstationTime } from './events';
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
  let lastTime = ctx.lastTime;
  let lineNo = ctx.firstLine - 1;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const whole = text.slice(start, end).replace(/\r$/, '');
    start = end + 1;
    lineNo++;
    if (whole.trim() === '') continue;
    for (const line of split(whole)) {
      const p = parse(line);
      const at = p ? toWorkstationTime(p.stamp, ctx.clock) : undefined;
      if (p && at) {
        const c = classify(p);
        // A stamp in whole seconds (a script's `date '+%F %T'`) inside the second of the line before it keeps
        // the log's order instead of sorting before the millisecond lines that caused it.
        const coarse = !/\.\d/.test(p.stamp);
        const prev = lastTime ? Date.parse(lastTime) : undefined;
        const time = coarse && prev !== undefined && prev >= at.getTime() && prev < at.getTime() + 1000 ? lastTime! : at.toISOString();
        lastTime = time;
        events.push({
          time, source, origin: ctx.origin, kind: c.kind, severity: c.severity, message: p.message,
          ref: { file: ctx.file, line: lineNo }, ...(c.node ? { node: c.node } : {}),
          ...(ctx.clock.skewMs !== 0 ? { hostTime: p.stamp } : {}),
        });
      } else {
        events.push({
          time: lastTime ?? new Date(0).toISOString(), source, origin: ctx.origin, kind: 'raw', severity: 'info', message: line,
          ref: { file: ctx.file, line: lineNo }, approximateTime: true,
        });
      }
    }
  }
  return { events, ...(lastTime ? { lastTime } : {}) };
}
