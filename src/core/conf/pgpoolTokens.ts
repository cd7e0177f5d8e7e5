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
      const c = text[i];
      if (c === '\n') { i++; line++; return { tok: 'EOL', text: '\n', line: line - 1 }; }
      if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
      if (c === '#') { while (i < text.length && text[i] !== '\n') i++; continue; }
      let best: { tok: Tok; len: number } = { tok: 'ERROR', len: 1 };
      // Only the rules that can start with this character are tried (same longest-match result, far fewer regexes).
      for (const [tok, re] of rulesFor(c ?? '')) {
        re.lastIndex = i;
        const m = re.exec(text);
        if (m && m[0].length > (best.tok === 'ERROR' ? 0 : best.len)) best = { tok, len: m[0].length };
      }
      const t = text.slice(i, i + best.len);
      i += best.len;
      return { tok: best.tok, text: t, line };
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
