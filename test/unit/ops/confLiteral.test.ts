import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confLiteral, conninfo } from '../../../src/core/ops/engine/pgCommands';

/** PostgreSQL's reader of a quoted configuration value (GUC_scanstr): '' and \\ \' \n \t ... escapes. */
function gucScanstr(lit: string): string {
  assert.match(lit, /^'([^'\\\n]|\\.|'')*'$/, 'a single token for the configuration lexer');
  const body = lit.slice(1, -1);
  const esc: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
  return body.replace(/''|\\(.)/g, (m, c: string | undefined) => (m === "''" ? "'" : esc[c as string] ?? (c as string)));
}

const hostile = ["o'brien", 'back\\slash', "both\\'", 'tail\\', '\\n literally', "''", 'tab\there', 'x'];

test('confLiteral writes quotes and backslashes the way ALTER SYSTEM does, so the server reads back the same bytes', () => {
  assert.equal(confLiteral("a'b\\c"), "'a''b\\\\c'");
  for (const v of hostile) assert.equal(gucScanstr(confLiteral(v)), v, JSON.stringify(v));
});

test('confLiteral of a conninfo with a hostile application_name round-trips', () => {
  const ci = conninfo({ host: 'h', user: "re'pl", application_name: 'db\\1' });
  assert.equal(ci, "host=h user='re\\'pl' application_name='db\\\\1'");
  assert.equal(gucScanstr(confLiteral(ci)), ci);
});

test('confLiteral refuses line breaks and NUL with a message that says what to do', () => {
  for (const v of ['a\nb', 'a\rb', 'a\0b']) assert.throws(() => confLiteral(v), /line break or NUL.*cluster file/);
});
