// Reads a log file on a host incrementally: only the bytes written since the last read, a rotation followed
// to the rest of the old file, partial last lines kept for next time.
import type { RemoteHost } from '../remote/types';
import type { HostClock } from './events';

/** Where the reading stopped in one file on one host. */
export interface LogCursor {
  readonly file: string;
  readonly inode: number;
  /** Bytes consumed (complete lines only). */
  readonly offset: number;
  /** Lines consumed. */
  readonly line: number;
  /** For a systemd journal source: journalctl's cursor after the last entry read. */
  readonly journalCursor?: string;
  /** Time of the last line that had one (for lines that have none). */
  readonly lastTime?: string;
}

export interface LogPiece {
  /** The file the text is from (the rotated file's path for a rotation's rest). */
  readonly file: string;
  readonly text: string;
  /** Line number of the text's first line. */
  readonly firstLine: number;
}

export interface FileProbe {
  readonly inode: number;
  readonly size: number;
}

/**
 * What to read, from the last cursor and the file as it is now: the rest of the same file; or after a
 * rotation (another inode, or a file shorter than what was read) the rest of the old file, then the new one
 * from its start.
 */
export function planRead(cursor: LogCursor | undefined, now: FileProbe): { rotated: boolean; from: number } {
  if (!cursor || cursor.inode !== now.inode || now.size < cursor.offset) return { rotated: cursor !== undefined, from: 0 };
  return { rotated: false, from: cursor.offset };
}

/** The complete lines of a chunk and how many bytes they take (a multi-byte character split at the end waits). */
export function completeLines(chunk: string, atEof: boolean): { text: string; bytes: number; lines: number } {
  const cut = atEof ? chunk.length : chunk.lastIndexOf('\n') + 1;
  const text = chunk.slice(0, cut);
  let lines = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  return { text, bytes: Buffer.byteLength(text, 'utf8'), lines };
}

export class LogReadError extends Error {}

const CHUNK_BYTES = 4 * 1024 * 1024;

/** Runs a fixed script with arguments (`sh -c SCRIPT sh ARGS…`); a non-zero exit is a LogReadError. */
export async function runScript(host: RemoteHost, script: string, args: string[], signal?: AbortSignal): Promise<string> {
  const r = await host.exec(['sh', '-c', script, 'sh', ...args], { timeoutMs: 60_000, ...(signal ? { signal } : {}) });
  if (r.code !== 0) throw new LogReadError(`${host.label}: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`);
  return r.stdout;
}

/** The host's clock against this machine's, from `date +%s%3N` and `date +%z` run between `before` and `after`. */
export function hostClock(origin: string, epochMs: string | undefined, zone: string | undefined, before: number, after: number): HostClock {
  const hostMs = Number(epochMs);
  const skewMs = Number.isFinite(hostMs) ? Math.round(hostMs - (before + after) / 2) : 0;
  // Under the round trip's uncertainty the skew is noise: call it zero.
  return { origin, skewMs: Math.abs(skewMs) <= (after - before) / 2 + 50 ? 0 : skewMs, utcOffset: (zone ?? '+0000').trim() };
}

/** The file's inode and size, and the host's clock against this machine's (half the round trip allowed for). */
export async function probeLog(host: RemoteHost, file: string, origin: string, signal?: AbortSignal): Promise<{ probe: FileProbe; clock: HostClock }> {
  const before = Date.now();
  const out = await runScript(host, 'stat -Lc "%i %s" -- "$1" && date +%s%3N && date +%z', [file], signal);
  const after = Date.now();
  const [stat, epochMs, zone] = out.trim().split('\n');
  const [inode, size] = (stat ?? '').split(' ').map(Number);
  if (!Number.isFinite(inode) || !Number.isFinite(size)) throw new LogReadError(`${host.label}: cannot read ${file}: ${out.trim()}`);
  return { probe: { inode: inode!, size: size! }, clock: hostClock(origin, epochMs, zone, before, after) };
}

/** Reads the new complete lines since `cursor`, chunk by chunk, calling `onPiece` for each; returns the new cursor. */
export async function readNewLines(
  host: RemoteHost, file: string, cursor: LogCursor | undefined, probe: FileProbe,
  onPiece: (piece: LogPiece) => void | Promise<void>, signal?: AbortSignal,
): Promise<LogCursor> {
  const plan = planRead(cursor, probe);
  if (plan.rotated && cursor) {
    // The old file under another name (pgpool.log.1, or whatever logrotate made of it), found by its inode.
    const dir = file.replace(/\/[^/]*$/, '') || '/';
    const old = (await runScript(host, 'find "$1" -maxdepth 1 -inum "$2" -print 2>/dev/null | head -n 1', [dir, String(cursor.inode)], signal)).trim();
    if (old) {
      const size = Number((await runScript(host, 'stat -Lc %s -- "$1"', [old], signal)).trim());
      if (Number.isFinite(size) && size > cursor.offset) {
        await readRange(host, old, cursor.offset, size, cursor.line + 1, onPiece, signal);
      }
    }
  }
  let line = plan.rotated || !cursor ? 0 : cursor.line;
  const offset = await readRange(host, file, plan.from, probe.size, line + 1, async (p) => {
    line = p.firstLine - 1 + countLines(p.text);
    await onPiece(p);
  }, signal);
  return { file, inode: probe.inode, offset, line };
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Reads [from, size) in chunks of whole lines; returns the offset after the last complete line. */
async function readRange(
  host: RemoteHost, file: string, from: number, size: number, firstLine: number,
  onPiece: (piece: LogPiece) => void | Promise<void>, signal?: AbortSignal,
): Promise<number> {
  let offset = from;
  let line = firstLine;
  while (offset < size) {
    const want = Math.min(CHUNK_BYTES, size - offset);
    const chunk = await runScript(host, 'tail -c +"$2" -- "$1" | head -c "$3"', [file, String(offset + 1), String(want)], signal);
    const whole = completeLines(chunk, false);
    // No complete line: the last one is still being written (or longer than a chunk): read it next time.
    if (whole.bytes === 0) break;
    await onPiece({ file, text: whole.text, firstLine: line });
    offset += whole.bytes;
    line += whole.lines;
  }
  return offset;
}
