/**
 * synchronous_standby_names the way PostgreSQL 10+ parses it (syncrep_scanner.l / syncrep_gram.y):
 *   standby_list | NUM '(' standby_list ')' | ANY NUM '(' standby_list ')' | FIRST NUM '(' standby_list ')'
 * where a standby name is an identifier, a double-quoted name, `*` or a number; the count must be > 0.
 */
type Tok = { t: 'NAME' | 'NUM' | 'ANY' | 'FIRST' | ',' | '(' | ')' | 'JUNK'; text: string };

function scan(s: string): Tok[] | string {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const rest = s.slice(i);
    const ws = /^[ \t\n\r\f\v]+/.exec(rest);
    if (ws) { i += ws[0].length; continue; }
    if (rest[0] === '"') {
      let j = 1;
      let name = '';
      for (;;) {
        const end = rest.indexOf('"', j);
        if (end < 0) return 'unterminated quoted identifier';
        name += rest.slice(j, end);
        if (rest[end + 1] === '"') { name += '"'; j = end + 2; continue; }
        j = end + 1;
        break;
      }
      out.push({ t: 'NAME', text: name });
      i += j;
      continue;
    }
    const id = /^[A-Za-z\u0080-\uffff_][A-Za-z\u0080-\uffff_0-9$]*/.exec(rest);
    if (id) {
      // Longest match first; on a tie the keyword rule wins (it comes first in the scanner).
      const word = id[0];
      out.push({ t: /^any$/i.test(word) ? 'ANY' : /^first$/i.test(word) ? 'FIRST' : 'NAME', text: word });
      i += word.length;
      continue;
    }
    const num = /^[0-9]+/.exec(rest);
    if (num) { out.push({ t: 'NUM', text: num[0] }); i += num[0].length; continue; }
    const c = rest[0] as string;
    if (c === '*') out.push({ t: 'NAME', text: '*' });
    else if (c === ',' || c === '(' || c === ')') out.push({ t: c, text: c });
    else out.push({ t: 'JUNK', text: c });
    i++;
  }
  return out;
}

/** The server's complaint about a value, or undefined when it accepts it (an empty value is accepted). */
export function syncStandbyNamesError(value: string): string | undefined {
  if (value === '') return undefined;
  const toks = scan(value);
  if (typeof toks === 'string') return `synchronous_standby_names "${value}": ${toks}`;
  let i = 0;
  const peek = (): Tok | undefined => toks[i];
  const syntax = (): string => {
    const t = peek();
    return `synchronous_standby_names "${value}" has a syntax error ${t ? `at or near "${t.text}"` : 'at end of input'} (write names separated by commas, or FIRST n (names) / ANY n (names))`;
  };
  const list = (): boolean => {
    for (;;) {
      const t = peek();
      if (!t || (t.t !== 'NAME' && t.t !== 'NUM')) return false;
      i++;
      if (peek()?.t !== ',') return true;
      i++;
    }
  };
  let count = 1;
  const first = peek();
  const second = toks[1];
  if (first && (first.t === 'ANY' || first.t === 'FIRST' || (first.t === 'NUM' && second?.t === '('))) {
    if (first.t !== 'NUM') i++;
    const n = peek();
    if (!n || n.t !== 'NUM') return syntax();
    count = Number.parseInt(n.text, 10);
    i++;
    if (peek()?.t !== '(') return syntax();
    i++;
    if (!list()) return syntax();
    if (peek()?.t !== ')') return syntax();
    i++;
  } else if (!list()) return syntax();
  if (i < toks.length) return syntax();
  if (!(count > 0)) return `the number of synchronous standbys (${count}) must be greater than zero`;
  return undefined;
}
