/**
 * Where one automatic failover's time went, from pgpool's log (its own lines and failover.sh's): the degenerate
 * request, failover.sh from start to end, pgpool's search for the new primary, its children's restart ("failover
 * done"). The bench pairs it with the kill and the first write it timed itself (wall clock, the log's local time).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { parsePgpoolLine } from '../src/core/history/pgpoolLog';

export interface FailoverPhases {
  /** Wall-clock ms (Date.now() scale) of each step pgpool logged; undefined when the log has no such line. */
  readonly degenerate?: number;
  readonly scriptStart?: number;
  /** pgpool's first line after failover_command returned (it starts looking for the primary then). */
  readonly scriptEnd?: number;
  readonly primaryFound?: number;
  readonly done?: number;
  /** pgpool's follow-primary lock was held when it looked for the primary: it slept 1 s (debug1 says so; else inferred). */
  readonly lockSleep: boolean;
}

/** The log's bytes from `offset` on (whole lines only). */
export function readLogFrom(file: string, offset: number): { text: string; end: number } {
  let size: number;
  try { size = statSync(file).size; } catch { return { text: '', end: offset }; }
  if (size <= offset) return { text: '', end: size };
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    const text = buf.subarray(0, n).toString('utf8');
    const last = text.lastIndexOf('\n');
    return { text: last < 0 ? '' : text.slice(0, last + 1), end: offset + (last < 0 ? 0 : Buffer.byteLength(text.slice(0, last + 1))) };
  } finally {
    closeSync(fd);
  }
}

export function logSize(file: string): number {
  try { return statSync(file).size; } catch { return 0; }
}

/** `2026-11-30 02:54:59.430` (local time, as pgpool and the scripts print it) -> ms since the epoch. */
const stampMs = (stamp: string): number => new Date(stamp.replace(' ', 'T')).getTime();

/** The first failover in `text` (pgpool's log lines after the kill). */
export function failoverPhases(text: string): FailoverPhases {
  const at: { degenerate?: number; scriptStart?: number; scriptEnd?: number; primaryFound?: number; done?: number } = {};
  let lockSleep = false;
  for (const raw of text.split('\n')) {
    // pgpool glues "failover done. ..." (its stderr) to the front of its own log line.
    const line = raw.replace(/^failover done\. shutdown host \S+(?=\d{4}-)/, '');
    const p = parsePgpoolLine(line);
    if (!p) continue;
    const t = stampMs(p.stamp);
    const m = p.message;
    if (at.degenerate === undefined && /^(received degenerate backend request|starting degeneration)/.test(m)) at.degenerate = t;
    else if (at.degenerate !== undefined && at.scriptStart === undefined && /^execute command: \S*failover/.test(m)) at.scriptStart = t;
    else if (at.scriptStart !== undefined && at.scriptEnd === undefined && p.process === 'main' && /^find_primary_node_repeatedly: waiting/.test(m)) at.scriptEnd = t;
    else if (at.scriptEnd !== undefined && at.primaryFound === undefined && /^find_primary_node: primary node is/.test(m)) at.primaryFound = t;
    else if (at.scriptEnd !== undefined && at.done === undefined && /^failover done/.test(m)) { at.done = t; break; }
    if (at.scriptEnd !== undefined && at.primaryFound === undefined && /follow_primary_lock: lock was held by someone/.test(m)) lockSleep = true;
  }
  if (at.scriptEnd !== undefined && at.primaryFound !== undefined && at.primaryFound - at.scriptEnd >= 950) lockSleep = true;
  return { ...at, lockSleep };
}
