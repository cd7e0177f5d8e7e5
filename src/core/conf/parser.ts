/**
 * Lossless parser for the `name [=] value` family: pgpool.conf, postgresql.conf, recovery.conf.
 * Every line is kept (comments, blanks, sections); a broken line becomes a problem, never an exception.
 */
import { looksBinary, splitLines } from './text';
import { range, type Diagnostic, type Range } from './types';

export type QuoteStyle = 'postgresql' | 'pgpool';

export interface ConfEntry {
  kind: 'setting' | 'include';
  line: number;
  /** The name as written. */
  name: string;
  /** The name used for lookups: lower-cased for PostgreSQL (case-insensitive), as written for pgpool. */
  key: string;
  nameRange: Range;
  /** The value as written, quotes included. */
  rawValue: string;
  /** The value the server sees. */
  value: string;
  quoted: boolean;
  valueRange: Range;
  hasEquals: boolean;
}

export interface ConfSection {
  title: string;
  line: number;
}

export interface ParsedConf {
  lines: string[];
  entries: ConfEntry[];
  sections: ConfSection[];
  /** Whole-line banner comments (`#----`) and the line after each, for section detection. */
  comments: { line: number; start: number; text: string }[];
  problems: Diagnostic[];
  binary: boolean;
}

const INCLUDE_NAMES = new Set(['include', 'include_if_exists', 'include_dir']);

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57) || c === 46;
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 12 || c === 11;
}
const NOT_SPACE = /[^ \t\f\v]/;
/** Characters both servers accept in an unquoted value: letters, digits, `_ . : / + - $`. */
function isUnquotedChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 46 ||
    c === 58 || c === 47 || c === 43 || c === 45 || c === 36 || c >= 128;
}

/** guc-file.l's ID and QUALIFIED_ID: the only tokens that may name a parameter. */
const PG_NAME = /^[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*(\.[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*)?$/;
/** guc-file.l's value tokens: UNQUOTED_STRING (which covers ID and QUALIFIED_ID), INTEGER (with unit letters), REAL. */
const PG_VALUE_TOKENS = [
  /^[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff.:/-]*/,
  /^[+-]?(?:0x[0-9a-fA-F]+|\d+)[a-zA-Z]*/,
  /^[+-]?\d*\.\d*(?:[Ee][+-]?\d+)?/,
];

/** Length of the token PostgreSQL's scanner reads at the start of an unquoted value (longest match). */
export function pgTokenLength(value: string): number {
  let best = 0;
  for (const re of PG_VALUE_TOKENS) best = Math.max(best, re.exec(value)?.[0].length ?? 0);
  return best;
}

/** PostgreSQL's GUC_scanstr: `''` is a quote; backslash escapes \b \f \n \r \t and octal. */
export function unescapePostgres(inner: string): string {
  if (inner.indexOf('\\') < 0 && inner.indexOf("''") < 0) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i] as string;
    if (ch === "'" && inner[i + 1] === "'") { out += "'"; i++; continue; }
    if (ch !== '\\' || i + 1 >= inner.length) { out += ch; continue; }
    const next = inner[++i] as string;
    const simple: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
    if (simple[next] !== undefined) out += simple[next];
    else if (next >= '0' && next <= '7') {
      let oct = next;
      while (oct.length < 3 && (inner[i + 1] ?? '') >= '0' && (inner[i + 1] ?? '') <= '7') oct += inner[++i];
      out += String.fromCharCode(parseInt(oct, 8));
    } else out += next;
  }
  return out;
}

export function parseConf(text: string, quoteStyle: QuoteStyle): ParsedConf {
  const result: ParsedConf = { lines: [], entries: [], sections: [], comments: [], problems: [], binary: false };
  if (looksBinary(text)) {
    result.binary = true;
    result.lines = [''];
    result.problems.push({
      range: range(0, 0, 0), severity: 'error', code: 'conf/binary-file',
      message: 'This file contains binary data (NUL or control characters); it is not a configuration file.',
    });
    return result;
  }
  const lines = splitLines(text);
  result.lines = lines;
  // Comment and blank lines (most of a sample file) are dealt with here, without a call: in a process that has
  // just started, parseLine then stays too cold for the optimizing compiler, whose work (~20 ms of CPU on
  // another thread) cost more than the whole lint of a 1,000-line sample.
  // Indentation is found by a regular expression, which runs as native code even then.
  let lastComment = -2;
  for (let ln = 0; ln < lines.length; ln++) {
    const s = lines[ln] as string;
    if (s.length === 0) continue;
    let start = 0;
    if (isSpace(s.charCodeAt(0))) {
      start = s.search(NOT_SPACE);
      if (start < 0) continue;
    }
    if (s.charCodeAt(start) !== 35) {
      parseLine(s, start, ln, quoteStyle, result);
    } else if (isSectionComment(s, start, ln, lastComment)) {
      result.comments.push({ line: ln, start, text: start === 0 ? s : s.slice(start) });
      lastComment = ln;
    }
  }
  detectSections(result);
  return result;
}

/** Only banner rules (`#---`, `# ===`) and the comment lines right after one matter (sections); skip the rest. */
function isSectionComment(s: string, i: number, ln: number, lastComment: number): boolean {
  const c1 = s.charCodeAt(i + 1);
  return c1 === 45 || c1 === 61 || (c1 === 32 && (s.charCodeAt(i + 2) === 45 || s.charCodeAt(i + 2) === 61)) || lastComment === ln - 1;
}

function problem(result: ParsedConf, line: number, start: number, end: number, code: string, message: string): void {
  result.problems.push({ range: range(line, start, Math.max(end, start)), severity: 'error', code, message });
}

/** Reads the line that has something other than a comment at `start`, its first non-blank character. */
function parseLine(s: string, start: number, ln: number, quoteStyle: QuoteStyle, result: ParsedConf): void {
  const n = s.length;
  let i = start;
  let c = s.charCodeAt(i);
  if (!isNameStart(c)) {
    const hash = s.indexOf('#', i);
    problem(result, ln, i, hash < 0 ? n : hash, 'conf/syntax-error',
      `Syntax error: a line must start with a parameter name, found "${s.slice(i, i + 20)}".`);
    return;
  }
  const nameStart = i;
  while (i < n && isNameChar(s.charCodeAt(i))) i++;
  const name = s.slice(nameStart, i);
  const nameEnd = i;
  if (quoteStyle === 'postgresql' && (!PG_NAME.test(name) || /^[-:/]/.test(s.slice(i)))) {
    const end = s.slice(i).search(/[\s=#']/);
    problem(result, ln, nameStart, end < 0 ? n : i + end, 'conf/syntax-error',
      `Syntax error near "${s.slice(nameStart, end < 0 ? n : i + end)}": a PostgreSQL parameter name is letters, digits and underscores, with at most one dot (extension.setting).`);
    return;
  }
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  let hasEquals = false;
  if (i < n && s.charCodeAt(i) === 61) {
    hasEquals = true;
    i++;
    while (i < n && isSpace(s.charCodeAt(i))) i++;
  }
  const valueStart = i;
  if (i >= n || s.charCodeAt(i) === 35) {
    problem(result, ln, nameStart, nameEnd, 'conf/missing-value', `"${name}" has no value; write ${name} = '...'.`);
    return;
  }
  c = s.charCodeAt(i);
  let quoted = false;
  let value: string;
  if (c === 39) {
    quoted = true;
    i++;
    let closed = false;
    while (i < n) {
      const q = s.charCodeAt(i);
      if (q === 92) { i += 2; continue; }
      if (q === 39) {
        if (quoteStyle === 'postgresql' && s.charCodeAt(i + 1) === 39) { i += 2; continue; }
        closed = true;
        i++;
        break;
      }
      i++;
    }
    if (i > n) i = n;
    if (!closed) {
      problem(result, ln, valueStart, n, 'conf/unterminated-string', 'Unterminated quoted value: add the closing single quote.');
      return;
    }
    const inner = s.slice(valueStart + 1, i - 1);
    value = quoteStyle === 'postgresql' ? unescapePostgres(inner) : inner;
  } else {
    let bad = -1;
    while (i < n) {
      const q = s.charCodeAt(i);
      if (isSpace(q) || q === 35) break;
      if (bad < 0 && !isUnquotedChar(q)) bad = i;
      i++;
    }
    value = s.slice(valueStart, i);
    const pgToken = quoteStyle === 'postgresql' ? pgTokenLength(value) : value.length;
    if (pgToken < value.length) {
      const near = value.slice(pgToken);
      problem(result, ln, valueStart + pgToken, i, 'conf/syntax-error',
        `PostgreSQL reads the unquoted value ${value} as more than one token: syntax error near "${near}", the server does not start. Write '${value}'${/^[+-]?\d+[eE]/.test(value) ? ' or a plain number (an unquoted exponent needs a decimal point, as in 1.0e3)' : ''}.`);
    } else if (bad >= 0) {
      problem(result, ln, valueStart, i, 'conf/unquoted-special',
        `The value ${value} contains "${s[bad] ?? ''}", which is only allowed inside single quotes: write '${value}'.`);
    }
  }
  const valueEnd = i;
  while (i < n && isSpace(s.charCodeAt(i))) i++;
  if (i < n) {
    if (s.charCodeAt(i) !== 35) {
      const hash = s.indexOf('#', i);
      const end = hash < 0 ? n : hash;
      const doubled = quoted && quoteStyle === 'pgpool' && i === valueEnd && s.charCodeAt(i) === 39;
      problem(result, ln, i, end, 'conf/trailing-garbage', doubled
        ? "pgpool-II ends a quoted value at the second quote: '' is not an escaped quote in pgpool.conf, so the rest is a syntax error. Write \\' instead."
        : `Unexpected text after the value of "${name}": "${s.slice(i, Math.min(end, i + 30))}". Quote the value if it contains spaces.`);
    }
  }
  const key = quoteStyle === 'postgresql' ? name.toLowerCase() : name;
  // Only names starting with i can be include directives: no lower-cased copy of every other name.
  const first = name.charCodeAt(0);
  const include = (first === 105 || first === 73) && INCLUDE_NAMES.has(name.toLowerCase());
  result.entries.push({
    kind: include ? 'include' : 'setting',
    line: ln, name, key,
    nameRange: range(ln, nameStart, nameEnd),
    rawValue: quoted ? s.slice(valueStart, valueEnd) : value, value, quoted,
    valueRange: range(ln, valueStart, valueEnd),
    hasEquals,
  });
}

const RULE_LINE = /^#\s*[-=]{8,}\s*$/;
const TITLE_LINE = /^#\s*([A-Z][A-Z0-9 ,()/&'_-]{2,60}?)\s*$/;

/** pgpool's samples frame section titles between `#----` rules: collect them for the outline. */
function detectSections(result: ParsedConf): void {
  const byLine = new Map<number, string>();
  for (const c of result.comments) byLine.set(c.line, c.text);
  for (const c of result.comments) {
    if (c.text.charCodeAt(1) !== 45 && c.text.charCodeAt(1) !== 32 && c.text.charCodeAt(1) !== 61) continue;
    if (!RULE_LINE.test(c.text)) continue;
    const title = byLine.get(c.line + 1);
    const m = title === undefined ? null : TITLE_LINE.exec(title);
    if (m && m[1]) result.sections.push({ title: m[1], line: c.line + 1 });
  }
}

/** An edit that replaces an entry's value, keeping its quoting style. */
export function replaceValueEdit(entry: ConfEntry, newValue: string): { range: Range; newText: string } {
  return { range: entry.valueRange, newText: entry.quoted ? `'${newValue}'` : newValue };
}
