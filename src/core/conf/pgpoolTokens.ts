/**
 * pgpool-II's own reading of pgpool.conf (pool_config.l, 4.3+): a flex token stream where a value is whatever
 * token follows `key [=]` (even a stray quote or the end of the line), and only a token that is not a key where
 * a key is due stops pgpool with "syntax error in configuration file". Used to tell lines that merely look
 * broken from lines pgpool refuses, and to see the values pgpool really stores.
 */
type Tok = 'KEY' | 'STRING' | 'UNQUOTED' | 'INTEGER' | 'REAL' | 'EQUALS' | 'ERROR' | 'EOL' | 'EOF';

const RULES: [Tok, RegExp][] = [
  ['KEY', /[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*/y],
  ['STRING', /'(?:[^'\n]|\\.)*'/y],
  ['UNQUOTED', /[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff._:/-]*/y],
  ['INTEGER', /[-+]?(?:0x[0-9a-fA-F]+|\d+)[a-zA-Z]*/y],
  ['REAL', /[-+]?\d*\.\d*(?:[Ee][-+]?\d+)?/y],
  ['EQUALS', /=/y],
];

const byName = (names: Tok[]): [Tok, RegExp][] => RULES.filter(([t]) => names.includes(t));
const WORD_RULES = byName(['KEY', 'UNQUOTED']);
const NUMBER_RULES = byName(['INTEGER', 'REAL']);
const STRING_RULES = byName(['STRING']);
const EQUALS_RULES = byName(['EQUALS']);

function rulesFor(c: string): [Tok, RegExp][] {
  if (c === "'") return STRING_RULES;
  if (c === '=') return EQUALS_RULES;
  if ((c >= '0' && c <= '9') || c === '+' || c === '-' || c === '.') return NUMBER_RULES;
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '_' || c >= '\u0080') return WORD_RULES;
  return [];
}

export interface PgpoolItem { key: string; value: string; line: number }
export interface PgpoolParse { items: PgpoolItem[]; error?: { line: number; token: string } }

export function pgpoolTokenParse(text: string): PgpoolParse {
  let i = 0;
  let line = 0;
  const next = (): { tok: Tok; text: string; line: number } => {
    for (;;) {
      if (i >= text.length) return { tok: 'EOF', text: '', line };
      const code = text.charCodeAt(i);
      if (code === 10) { i++; line++; return { tok: 'EOL', text: '\n', line: line - 1 }; }
      if (code === 32 || code === 9 || code === 13) { i++; continue; }
      if (code === 35) { const nl = text.indexOf('\n', i); i = nl < 0 ? text.length : nl; continue; }
      let tok: Tok = 'ERROR';
      let len = 1;
      // Only the rules that can start with this character are tried (same longest-match result, far fewer
      // regexes); `test` leaves the match's end in lastIndex without allocating a match array.
      for (const [t, re] of rulesFor(text[i] ?? '')) {
        re.lastIndex = i;
        if (re.test(text) && re.lastIndex - i > (tok === 'ERROR' ? 0 : len)) { tok = t; len = re.lastIndex - i; }
      }
      const start = i;
      i += len;
      return { tok, text: text.slice(start, i), line };
    }
  };
  const items: PgpoolItem[] = [];
  for (;;) {
    const t = next();
    if (t.tok === 'EOF') break;
    if (t.tok === 'EOL') continue;
    if (t.tok !== 'KEY') return { items, error: { line: t.line, token: t.text } };
    let v = next();
    if (v.tok === 'EQUALS') v = next();
    const value = v.tok === 'STRING' ? v.text.slice(1, -1) : v.text;
    items.push({ key: t.text, value, line: t.line });
  }
  return { items };
}
