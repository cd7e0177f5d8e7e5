/**
 * Aligns the lossless parser's syntax problems with what pgpool-II does (pgpoolTokens.ts): a line pgpool reads
 * without a syntax error is a warning, not an error, and its entries become the key/value pairs pgpool stores
 * (so the value rules check what pgpool checks); the token where pgpool stops is an error.
 */
import type { ConfEntry, ParsedConf } from './parser';
import { pgpoolTokenParse } from './pgpoolTokens';
import { range } from './types';

export function reconcilePgpoolSyntax(doc: ParsedConf, text: string): void {
  // pgpool's lines end at \n only: without a \r the parser's lines are the same ones.
  const parse = text.indexOf('\r') < 0 ? pgpoolTokenParse(text, doc.lines) : pgpoolTokenParse(text);
  const stopLine = parse.error?.line ?? Number.POSITIVE_INFINITY;
  const brokenLines = new Set<number>();
  for (const p of doc.problems) {
    if (!p.code.startsWith('conf/') || p.code === 'conf/binary-file') continue;
    const ln = p.range.start.line;
    if (ln === stopLine) continue;
    if (ln > stopLine) continue;
    brokenLines.add(ln);
    p.severity = 'warning';
    p.message += ' pgpool-II does not refuse this line: its tokenizer takes the token after the name as the value and reads on.';
  }
  if (parse.error && !doc.problems.some((p) => p.range.start.line === stopLine && p.severity === 'error')) {
    const lineText = doc.lines[stopLine] ?? '';
    doc.problems.push({ range: range(stopLine, 0, lineText.length), severity: 'error', code: 'pgpool/syntax-error',
      message: `pgpool-II stops here with "syntax error in configuration file" (unexpected "${parse.error.token.replace(/\n/, '\\n')}" where a parameter name is due) and does not start.` });
  }
  if (brokenLines.size === 0) return;
  const kept = doc.entries.filter((e) => !brokenLines.has(e.line));
  for (const item of parse.items) {
    if (!brokenLines.has(item.line)) continue;
    const lineText = doc.lines[item.line] ?? '';
    const at = lineText.indexOf(item.key);
    // A line the editor splits differently (a lone CR) has no safe range: leave it to the lossless parser.
    if (at < 0) continue;
    const entry: ConfEntry = {
      kind: item.key === 'include' ? 'include' : 'setting', line: item.line, name: item.key, key: item.key,
      nameRange: range(item.line, at, at + item.key.length), rawValue: item.value, value: item.value, quoted: false,
      valueRange: range(item.line, at + item.key.length, lineText.length), hasEquals: true,
    };
    kept.push(entry);
  }
  kept.sort((a, b) => a.line - b.line || a.nameRange.start.character - b.nameRange.start.character);
  doc.entries = kept;
}
