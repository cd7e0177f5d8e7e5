/** What every rule receives: the parsed file, the target versions and a sink for diagnostics. */
import type { ParsedConf } from './parser';
import type { Diagnostic, ConfLanguageId } from './types';

export interface RuleContext {
  doc: ParsedConf;
  languageId: ConfLanguageId;
  pgpool: string;
  postgres: number;
  fileName?: string;
  /** Prefix of rule codes for this language: `pgpool`, `postgresql` or `recovery`. */
  prefix: string;
  report(d: Diagnostic): void;
}

/** The range covering a whole line including its terminator, for "remove this line" fixes. */
export function wholeLine(doc: ParsedConf, line: number): { start: { line: number; character: number }; end: { line: number; character: number } } {
  return line + 1 < doc.lines.length
    ? { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }
    : { start: { line, character: 0 }, end: { line, character: (doc.lines[line] ?? '').length } };
}

/** Display form of a PostgreSQL major (9.6 stays 9.6). */
export function pgLabel(v: number): string {
  return v < 10 ? v.toFixed(1) : String(v);
}
