/**
 * pgpool-II's own reading of pgpool.conf (pool_config.l, 4.3+): a flex token stream where a value is whatever
 * token follows `key [=]` (even a stray quote or the end of the line), and only a token that is not a key where
 * a key is due stops pgpool with "syntax error in configuration file". Used to tell lines that merely look
 * broken from lines pgpool refuses, and to see the values pgpool really stores.
 *
 * The token rules, as regular expressions (tried by first character, longest match, earlier rule on a tie):
 *   KEY       [A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*
 *   STRING    '(?:[^'\n]|\\.)*'   (first match: a quote up to the next quote on the same line)
 *   UNQUOTED  [A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff._:/-]*
 *   INTEGER   [-+]?(?:0x[0-9a-fA-F]+|\d+)[a-zA-Z]*
 *   REAL      [-+]?\d*\.\d*(?:[Ee][-+]?\d+)?
 *   EQUALS    =
 * Any other character is a one-character error token. They are scanned by hand below: this runs over every
 * line of files with 100,000 lines, where a regex and a token object per token dominated the lint.
 */
const KEY = 0;
const STRING = 1;
const UNQUOTED = 2;
const NUMBER = 3;
const EQUALS = 4;
const ERROR = 5;

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isKeyChar(c: number): boolean {
  return isWordStart(c) || isDigit(c);
}
function isUnquotedChar(c: number): boolean {
  return isKeyChar(c) || c === 46 || c === 95 || c === 58 || c === 47 || c === 45;
}
function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** End of the INTEGER token at i (after an optional sign), or -1. */
function integerEnd(text: string, i: number): number {
  let j = i;
  if (text.charCodeAt(j) === 48 && (text.charCodeAt(j + 1) === 120) && isHex(text.charCodeAt(j + 2))) {
    j += 3;
    while (isHex(text.charCodeAt(j))) j++;
  } else {
    if (!isDigit(text.charCodeAt(j))) return -1;
    while (isDigit(text.charCodeAt(j))) j++;
  }
  while (isLetter(text.charCodeAt(j))) j++;
  return j;
}

/** End of the REAL token at i (after an optional sign), or -1. */
function realEnd(text: string, i: number): number {
  let j = i;
  while (isDigit(text.charCodeAt(j))) j++;
  if (text.charCodeAt(j) !== 46) return -1;
  j++;
  while (isDigit(text.charCodeAt(j))) j++;
  const e = text.charCodeAt(j);
  if (e === 69 || e === 101) {
    let k = j + 1;
    const s = text.charCodeAt(k);
    if (s === 43 || s === 45) k++;
    if (isDigit(text.charCodeAt(k))) {
      while (isDigit(text.charCodeAt(k))) k++;
      j = k;
    }
  }
  return j;
}

export interface PgpoolItem { key: string; value: string; line: number }
export interface PgpoolParse { items: PgpoolItem[]; error?: { line: number; token: string } }

/**
 * pgpool's reading of `text`. Tokens never span a newline and a key is due at the start of every line, so the
 * text is read line by line (`lines`: text.split('\n'), which a caller that has it may pass): blank and comment
 * lines, most of a sample file, are skipped without a call (indentation found by a regular expression, native
 * code even then), so that in a process that has just started the
 * scanner stays too cold for the optimizing compiler (its work cost more CPU than the whole lint).
 */
export function pgpoolTokenParse(text: string, lines: readonly string[] = text.split('\n')): PgpoolParse {
  const items: PgpoolItem[] = [];
  const last = lines.length - 1;
  for (let ln = 0; ln <= last; ln++) {
    const s = lines[ln] as string;
    if (s.length === 0) continue;
    let start = 0;
    const c = s.charCodeAt(0);
    if (c === 32 || c === 9 || c === 13) {
      start = s.search(NOT_BLANK);
      if (start < 0) continue;
    }
    if (s.charCodeAt(start) === 35) continue;
    // A key last on its line takes the end of the line as its value: the newline, or nothing at the end of the text.
    const error = scanLine(s, start, ln, ln === last ? '' : '\n', items);
    if (error !== undefined) return { items, error: { line: ln, token: error } };
  }
  return { items };
}

const NOT_BLANK = /[^ \t\r]/;

/** Index of the next token at or after i, or the line's length when only blanks and a comment are left. */
function skipBlanks(s: string, i: number): number {
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 35) return n;
    if (c !== 32 && c !== 9 && c !== 13) return i;
  }
  return n;
}

/** The token starting at i (not a blank): its end and kind, packed as end * 8 + kind. */
function token(s: string, i: number): number {
  const n = s.length;
  const c = s.charCodeAt(i);
  let kind = ERROR;
  let j = i + 1;
  if (c === 39) {
    const close = s.indexOf("'", i + 1);
    if (close >= 0) { kind = STRING; j = close + 1; }
  } else if (c === 61) {
    kind = EQUALS;
  } else if (isDigit(c) || c === 43 || c === 45 || c === 46) {
    const body = c === 43 || c === 45 ? i + 1 : i;
    const intEnd = integerEnd(s, body);
    const realE = realEnd(s, body);
    if (intEnd >= 0 || realE >= 0) { kind = NUMBER; j = Math.max(intEnd, realE); }
  } else if (isWordStart(c)) {
    let k = i + 1;
    while (k < n && isKeyChar(s.charCodeAt(k))) k++;
    let u = k;
    while (u < n && isUnquotedChar(s.charCodeAt(u))) u++;
    kind = u > k ? UNQUOTED : KEY;
    j = u;
  }
  return j * 8 + kind;
}

/** Reads one line's `key [=] value` items into `items`; the token where pgpool stops, if any. */
function scanLine(s: string, start: number, ln: number, lineEnd: string, items: PgpoolItem[]): string | undefined {
  const n = s.length;
  let i = start;
  while (i < n) {
    const t = token(s, i);
    const end = t >>> 3;
    if ((t & 7) !== KEY) return s.slice(i, end);
    const key = s.slice(i, end);
    let v = skipBlanks(s, end);
    let tv = v < n ? token(s, v) : -1;
    if (tv >= 0 && (tv & 7) === EQUALS) {
      v = skipBlanks(s, tv >>> 3);
      tv = v < n ? token(s, v) : -1;
    }
    if (tv < 0) {
      items.push({ key, value: lineEnd, line: ln });
      return undefined;
    }
    const vEnd = tv >>> 3;
    items.push({ key, value: (tv & 7) === STRING ? s.slice(v + 1, vEnd - 1) : s.slice(v, vEnd), line: ln });
    i = skipBlanks(s, vEnd);
  }
  return undefined;
}
