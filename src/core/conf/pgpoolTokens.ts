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
const EOL = 6;
const EOF = 7;

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

export function pgpoolTokenParse(text: string): PgpoolParse {
  const n = text.length;
  let i = 0;
  let line = 0;
  // The current token: text.slice(start, end) on line tokLine.
  let start = 0;
  let end = 0;
  let tokLine = 0;
  const next = (): number => {
    for (;;) {
      if (i >= n) { start = end = n; tokLine = line; return EOF; }
      const c = text.charCodeAt(i);
      if (c === 10) { start = i; end = ++i; tokLine = line++; return EOL; }
      if (c === 32 || c === 9 || c === 13) { i++; continue; }
      if (c === 35) { const nl = text.indexOf('\n', i); i = nl < 0 ? n : nl; continue; }
      start = i;
      tokLine = line;
      let kind = ERROR;
      let j = i + 1;
      if (c === 39) {
        let k = i + 1;
        while (k < n) {
          const q = text.charCodeAt(k);
          if (q === 39 || q === 10) break;
          k++;
        }
        if (k < n && text.charCodeAt(k) === 39) { kind = STRING; j = k + 1; }
      } else if (c === 61) {
        kind = EQUALS;
      } else if (isDigit(c) || c === 43 || c === 45 || c === 46) {
        const body = c === 43 || c === 45 ? i + 1 : i;
        const intEnd = integerEnd(text, body);
        const realE = realEnd(text, body);
        if (intEnd >= 0 || realE >= 0) { kind = NUMBER; j = Math.max(intEnd, realE); }
      } else if (isWordStart(c)) {
        let k = i + 1;
        while (k < n && isKeyChar(text.charCodeAt(k))) k++;
        let u = k;
        while (u < n && isUnquotedChar(text.charCodeAt(u))) u++;
        kind = u > k ? UNQUOTED : KEY;
        j = u;
      }
      i = j;
      end = j;
      return kind;
    }
  };
  const items: PgpoolItem[] = [];
  for (;;) {
    const t = next();
    if (t === EOF) break;
    if (t === EOL) continue;
    if (t !== KEY) return { items, error: { line: tokLine, token: text.slice(start, end) } };
    const key = text.slice(start, end);
    const keyLine = tokLine;
    let v = next();
    if (v === EQUALS) v = next();
    const value = v === STRING ? text.slice(start + 1, end - 1) : text.slice(start, end);
    items.push({ key, value, line: keyLine });
  }
  return { items };
}
