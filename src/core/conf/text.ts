/** Line splitting and binary detection shared by every parser. */

export interface SourceLine {
  /** Text of the line without its terminator (`\r\n`, `\n` or `\r`). */
  text: string;
  line: number;
}

/** Splits on `\n`, `\r\n` and lone `\r`, like the editor does. */
export function splitLines(text: string): string[] {
  // Fast path: the native split is several times faster than a character loop.
  if (text.indexOf('\r') < 0) return text.split('\n');
  const lines: string[] = [];
  let start = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      lines.push(text.slice(start, i));
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
  }
  lines.push(text.slice(start));
  return lines;
}

/** A NUL in the first 8 KB, or mostly control characters, means the file is not text. */
export function looksBinary(text: string): boolean {
  const limit = Math.min(text.length, 8192);
  let control = 0;
  for (let i = 0; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return true;
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) control++;
  }
  return limit > 0 && control / limit > 0.1;
}

/** Lines longer than this are reported once and not tokenised further (keeps hostile input linear). */
export const MAX_LINE_LENGTH = 100_000;
