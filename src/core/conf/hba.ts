/** Parser for pg_hba.conf and pool_hba.conf: whitespace-separated fields, "quoted" tokens, @file, +group. */
import { looksBinary, splitLines } from './text';
import { range, type Diagnostic, type Range } from './types';

export interface HbaField {
  text: string;
  /** The unquoted text. */
  value: string;
  quoted: boolean;
  range: Range;
}

export interface HbaRecord {
  line: number;
  type: HbaField;
  database: HbaField;
  user: HbaField;
  /** Absent for `local`. */
  address?: HbaField;
  /** Old-style netmask after an address without /bits. */
  mask?: HbaField;
  method: HbaField;
  options: HbaField[];
}

export interface ParsedHba {
  lines: string[];
  records: HbaRecord[];
  problems: Diagnostic[];
  binary: boolean;
}

export const HBA_TYPES = ['local', 'host', 'hostssl', 'hostnossl', 'hostgssenc', 'hostnogssenc'];

/** Maps an offset in a (possibly joined) logical line to its physical line and column. */
type PosMap = (offset: number) => { line: number; character: number };

function rangeOf(map: PosMap, start: number, end: number): Range {
  return { start: map(start), end: map(end) };
}

function tokenize(s: string, map: PosMap): { fields: HbaField[]; error?: Diagnostic } {
  const fields: HbaField[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i];
    if (c === ' ' || c === '\t') { i++; continue; }
    if (c === '#') break;
    const start = i;
    let quoted = false;
    let value = '';
    while (i < n) {
      const ch = s[i] as string;
      if (ch === '"') {
        quoted = true;
        const close = s.indexOf('"', i + 1);
        if (close < 0) {
          return { fields, error: { range: rangeOf(map, i, n), severity: 'error', code: 'hba/syntax-error', message: 'Unterminated double quote.' } };
        }
        value += s.slice(i + 1, close);
        i = close + 1;
        continue;
      }
      if (ch === ' ' || ch === '\t' || ch === '#') {
        // "a, b": a list continues after a trailing comma.
        if (ch !== '#' && value.endsWith(',')) {
          let j = i;
          while (j < n && (s[j] === ' ' || s[j] === '\t')) j++;
          if (j < n && s[j] !== '#') { i = j; continue; }
        }
        break;
      }
      value += ch;
      i++;
    }
    fields.push({ text: s.slice(start, i), value, quoted, range: rangeOf(map, start, i) });
  }
  return { fields };
}

function isIpLike(s: string): boolean {
  return /^[0-9.]+$/.test(s) || (s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s));
}

export function parseHba(text: string): ParsedHba {
  const out: ParsedHba = { lines: [], records: [], problems: [], binary: false };
  if (looksBinary(text)) {
    out.binary = true;
    out.lines = [''];
    out.problems.push({ range: range(0, 0, 0), severity: 'error', code: 'conf/binary-file', message: 'This file contains binary data; it is not an hba file.' });
    return out;
  }
  out.lines = splitLines(text);
  for (let ln = 0; ln < out.lines.length; ln++) {
    const first = ln;
    let s = out.lines[ln] as string;
    // PostgreSQL 16+ joins a line ending in a backslash with the next.
    const segments = [{ at: 0, line: ln }];
    while (s.endsWith('\\') && ln + 1 < out.lines.length) {
      s = `${s.slice(0, -1)} `;
      segments.push({ at: s.length, line: ++ln });
      s += out.lines[ln] as string;
    }
    const map: PosMap = (offset) => {
      let seg = segments[0] as { at: number; line: number };
      for (const x of segments) if (x.at <= offset) seg = x;
      const physical = out.lines[seg.line] ?? '';
      return { line: seg.line, character: Math.min(offset - seg.at, physical.length) };
    };
    const { fields, error } = tokenize(s, map);
    if (error) { out.problems.push(error); continue; }
    if (fields.length === 0) continue;
    const type = fields[0] as HbaField;
    const isLocal = type.value === 'local';
    const minFields = isLocal ? 4 : 5;
    if (fields.length < minFields) {
      out.problems.push({ range: { start: type.range.start, end: (fields[fields.length - 1] as HbaField).range.end },
        severity: 'error', code: 'hba/missing-field',
        message: isLocal ? 'A local record needs: local DATABASE USER METHOD [OPTIONS].' : `A ${type.value} record needs: ${type.value} DATABASE USER ADDRESS METHOD [OPTIONS].` });
      continue;
    }
    const rec: HbaRecord = { line: first, type, database: fields[1] as HbaField, user: fields[2] as HbaField, method: fields[3] as HbaField, options: [] };
    let next = 3;
    if (!isLocal) {
      rec.address = fields[3] as HbaField;
      next = 4;
      const addr = rec.address.value;
      if (!addr.includes('/') && isIpLike(addr)) {
        const maybeMask = fields[4];
        if (maybeMask && isIpLike(maybeMask.value)) { rec.mask = maybeMask; next = 5; }
      }
      const m = fields[next];
      if (!m) {
        out.problems.push({ range: rec.address.range, severity: 'error', code: 'hba/missing-field', message: 'The authentication method is missing after the address.' });
        continue;
      }
      rec.method = m;
      next++;
    } else {
      next = 4;
    }
    rec.options = fields.slice(next);
    out.records.push(rec);
  }
  return out;
}
