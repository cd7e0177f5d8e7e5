import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { plainLintArguments, registerLintCommand } from '../../../src/cli/lint';

/** What commander makes of `lint ARGS`: the files and options its action receives, or the error it raises. */
async function commanderReads(args: string[]): Promise<{ files: string[]; options: Record<string, unknown> } | 'error'> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerLintCommand(program);
  let seen: { files: string[]; options: Record<string, unknown> } | undefined;
  const lint = program.commands.find((c) => c.name() === 'lint');
  assert.ok(lint);
  lint.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined })
    .action((files: string[], options: Record<string, unknown>) => { seen = { files, options: { ...options } }; });
  try {
    await program.parseAsync(['lint', ...args], { from: 'user' });
  } catch {
    return 'error';
  }
  assert.ok(seen, `commander ran no action for ${JSON.stringify(args)}`);
  return seen;
}

test('plain lint arguments are read as commander reads them; anything else is left to commander', async () => {
  const plain: string[][] = [
    ['a.pgpool.conf'],
    ['a.pgpool.conf', 'b/postgresql.conf'],
    ['--format', 'json', 'a.pgpool.conf'],
    ['a.pgpool.conf', '--format', 'sarif'],
    ['--format=json', 'a.pgpool.conf'],
    ['--format', 'xml', 'a.pgpool.conf'],
    ['--pgpool-version', '4.3', '--postgres-version=15', 'a.pgpool.conf', 'pg_hba.conf'],
    ['a.pgpool.conf', '--pgpool-version=4.0', 'b.pgpool.conf'],
    ['--format=a=b', 'x.conf'],
  ];
  for (const args of plain) {
    const mine = plainLintArguments(args);
    assert.ok(mine, `${JSON.stringify(args)} should be read without commander`);
    assert.deepEqual({ files: mine.files, options: { ...mine.options } }, await commanderReads(args), JSON.stringify(args));
  }
  const left: string[][] = [
    [], ['--format', 'json'], ['--help', 'a.conf'], ['-h'], ['--', 'a.conf'], ['-', 'a.conf'], ['--bogus', 'a.conf'],
    ['a.conf', '--format'], ['--format', '-x', 'a.conf'], ['--format=', 'a.conf'], ['--format', '', 'a.conf'],
    ['--format', 'json', '--format', 'text', 'a.conf'], ['--json', 'a.conf'], ['--version'], ['--hasOwnProperty', 'x', 'a.conf'],
  ];
  for (const args of left) assert.equal(plainLintArguments(args), undefined, JSON.stringify(args));
});
