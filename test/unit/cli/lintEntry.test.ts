import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fixturesDir, repoRoot } from '../conf/paths';
import { runPlainLint } from '../../../src/cli/lintEntry';

const out = path.join(repoRoot, 'out', 'src', 'cli');

/** stdout, stderr and exit code of a process that runs `lint ARGS` through the plain entry, or the full CLI. */
function run(entry: 'plain' | 'full', args: string[]): { stdout: string; stderr: string; status: number | null; handled?: string } {
  const script = entry === 'plain'
    ? `require(${JSON.stringify(path.join(out, 'lintEntry.js'))}).runPlainLint(process.argv).then((done) => { if (!done) process.stderr.write('NOT HANDLED'); });`
    : `require(${JSON.stringify(path.join(out, 'main.js'))}).runCli();`;
  const r = spawnSync(process.execPath, ['-e', script, 'pgpool-cluster', 'lint', ...args], { encoding: 'utf8', cwd: repoRoot });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

test('a plain lint prints and exits as the full CLI does, errors included', () => {
  const conf = path.join(fixturesDir, 'values', 'values.pgpool.conf');
  const hba = path.join(fixturesDir, 'hba', 'pg_hba.conf');
  for (const args of [
    [conf], [conf, hba, '--format', 'json'], ['--format=sarif', conf], ['--pgpool-version', '4.0', conf],
    [path.join(fixturesDir, 'postgresql', 'pg11.postgresql.conf'), '--postgres-version=11'],
    ['missing.pgpool.conf'], ['--format', 'json', 'missing.pgpool.conf'], ['--format', 'xml', conf], ['notes.txt'],
  ]) {
    const plain = run('plain', args);
    assert.ok(!plain.stderr.includes('NOT HANDLED'), `${JSON.stringify(args)} is plain`);
    assert.deepEqual(plain, run('full', args), JSON.stringify(args));
  }
  assert.ok(run('plain', [conf]).stdout.includes('pgpool/value-out-of-range'), 'the lint ran');
});

test('arguments that are not plain are left to the full CLI, untouched', async () => {
  for (const argv of [['lint'], ['lint', '--help'], ['lint', '--', 'a.conf'], ['status'], ['--version'], []]) {
    const before = process.exitCode;
    assert.equal(await runPlainLint(['node', 'pgpool-cluster', ...argv]), false, JSON.stringify(argv));
    assert.equal(process.exitCode, before);
  }
});
