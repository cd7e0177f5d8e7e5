import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { shellCommand, shellDoubleQuote, shellQuote, shellScript, shellWords, op } from '../../../src/core/remote/shellQuote';

// Ask a real shell to print each word it received, one per NUL-terminated record.
function wordsSeenByShell(command: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${command}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const hostile = [
  'plain', 'with space', "it's", '"double"', 'a;rm -rf /', '$(touch /tmp/pwned)', '`id`', 'new\nline',
  '', '*', '~', '-n', 'back\\slash', "'''", 'tab\tchar', '$HOME', '!bang', 'ünïcødé', '&&', '|',
];

test('every hostile value survives a real shell as exactly one word', () => {
  for (const v of hostile) {
    assert.deepEqual(wordsSeenByShell(shellQuote(v)), [v], `value ${JSON.stringify(v)}`);
  }
});

test('shellCommand keeps word boundaries', () => {
  assert.deepEqual(wordsSeenByShell(shellCommand(hostile)), hostile);
});

test('safe words stay readable', () => {
  assert.equal(shellQuote('/usr/lib/postgresql/15/bin/pg_ctl'), '/usr/lib/postgresql/15/bin/pg_ctl');
  assert.equal(shellQuote('a b'), "'a b'");
});

test('NUL bytes and empty commands are refused', () => {
  assert.throws(() => shellQuote('a\0b'), /NUL/);
  assert.throws(() => shellCommand([]), /empty/);
});

test('shellScript passes operators and quotes values', () => {
  assert.equal(shellScript(['echo', 'a b', op('&&'), 'true']), "echo 'a b' && true");
  const out = execFileSync('/bin/sh', ['-c', shellScript(['printf', '%s', '$(id)', op('|'), 'cat'])], { encoding: 'utf8' });
  assert.equal(out, '$(id)');
});

test('shellDoubleQuote: every hostile value without a line break survives a real shell as one word', () => {
  for (const v of hostile.filter((h) => !h.includes('\n'))) {
    const q = shellDoubleQuote(v);
    assert.ok(!q.includes("'") || v.includes("'"), `no single quote added for ${JSON.stringify(v)}`);
    assert.deepEqual(wordsSeenByShell(q), [v], `value ${JSON.stringify(v)}`);
  }
  assert.throws(() => shellDoubleQuote('new\nline'), /line break/);
});

test('shellWords splits like a real shell (quotes, escapes, runs of blanks)', () => {
  const lines = [shellCommand(hostile), hostile.filter((h) => !h.includes('\n')).map(shellDoubleQuote).join('  '),
    'a\\ b "c\\"d" \'e f\'g', '  lead   trail  ', '"" x'];
  for (const line of lines) assert.deepEqual(shellWords(line), wordsSeenByShell(line), line);
  assert.throws(() => shellWords("'open"), /Unterminated/);
});
