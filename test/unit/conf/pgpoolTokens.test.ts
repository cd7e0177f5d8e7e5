import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pgpoolTokenParse, type PgpoolParse } from '../../../src/core/conf/pgpoolTokens';

/**
 * The reference: pgpool's token rules written as the regular expressions they are (longest match among the
 * rules that can start with the character, the earlier rule on a tie). The hand-written scanner must read
 * every text exactly as this does.
 */
function referenceParse(text: string): PgpoolParse {
  type Tok = 'KEY' | 'STRING' | 'UNQUOTED' | 'INTEGER' | 'REAL' | 'EQUALS' | 'ERROR' | 'EOL' | 'EOF';
  const rules: [Tok, RegExp][] = [
    ['KEY', /[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*/y],
    ['STRING', /'(?:[^'\n]|\\.)*'/y],
    ['UNQUOTED', /[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff._:/-]*/y],
    ['INTEGER', /[-+]?(?:0x[0-9a-fA-F]+|\d+)[a-zA-Z]*/y],
    ['REAL', /[-+]?\d*\.\d*(?:[Ee][-+]?\d+)?/y],
    ['EQUALS', /=/y],
  ];
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
      for (const [t, re] of rules) {
        re.lastIndex = i;
        if (re.test(text) && re.lastIndex - i > (tok === 'ERROR' ? 0 : len)) { tok = t; len = re.lastIndex - i; }
      }
      const start = i;
      i += len;
      return { tok, text: text.slice(start, i), line };
    }
  };
  const items: PgpoolParse['items'] = [];
  for (;;) {
    const t = next();
    if (t.tok === 'EOF') break;
    if (t.tok === 'EOL') continue;
    if (t.tok !== 'KEY') return { items, error: { line: t.line, token: t.text } };
    let v = next();
    if (v.tok === 'EQUALS') v = next();
    items.push({ key: t.text, value: v.tok === 'STRING' ? v.text.slice(1, -1) : v.text, line: t.line });
  }
  return { items };
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['port', ' = ', '=', "'", "'x y'", '#c', '\n', '\r', '\t', ' ', '\f', '0x', '0x1F', '0xg', '12', '5min', '-', '+', '.', '1.5',
  '.5e', 'e3', 'E-2', '1e', '_a', 'a.b', 'a:b/c-d', '\\', "\\'", '"', '\u00e9', '\ud83d\ude00', '$', ',', 'on', 'include'];

test('the scanner reads like the token rules: fixed cases', () => {
  for (const text of [
    '', 'port = 9999\n', "a = 'x' b = 2\n", "a = 'unterminated\nb = 1", 'a =\nb = 2', 'a.b = 1', '= 1', 'a = 1e5 b = .5e+3',
    'a = 0x1Fzz', 'a = 0xg', 'a = +', 'a = -.e5', "a = 'a\\'b'", 'a = é', 'a\fb', 'x = 1 # c\n# only\n\ny = 2', 'k', 'k =',
  ]) {
    assert.deepEqual(pgpoolTokenParse(text), referenceParse(text), JSON.stringify(text));
  }
});

test('the scanner reads like the token rules: 20,000 random texts', () => {
  const next = rng(20261129);
  for (let n = 0; n < 20_000; n++) {
    let text = '';
    const parts = 1 + Math.floor(next() * 12);
    for (let p = 0; p < parts; p++) text += PIECES[Math.floor(next() * PIECES.length)];
    assert.deepEqual(pgpoolTokenParse(text), referenceParse(text), JSON.stringify(text));
  }
});
