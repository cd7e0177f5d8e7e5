// The test runner's own promises: an unmet precondition fails under CI, and every skip carries its reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PreconditionFailed, strictPreconditions, unmetPrecondition } from '../../harness/precondition';
import { repoRoot } from '../../lab/labFixture';

test('an unmet precondition skips with its reason on a developer machine and fails under CI', () => {
  const skipped: string[] = [];
  assert.equal(unmetPrecondition(undefined, (r) => skipped.push(r), { CI: 'true' }), false, 'a precondition that holds does nothing');
  assert.equal(unmetPrecondition('the lab is not up', (r) => skipped.push(r), {}), true);
  assert.deepEqual(skipped, ['the lab is not up']);
  assert.throws(() => unmetPrecondition('the lab is not up', (r) => skipped.push(r), { CI: 'true' }), PreconditionFailed);
  assert.equal(skipped.length, 1, 'under CI nothing is skipped');
  assert.equal(strictPreconditions({ CI: '1' }), true);
  assert.equal(strictPreconditions({ CI: 'false' }), false);
});

test('the count reporter records each skip with the reason written in the test, and a bare skip without one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgc-skips-'));
  const file = join(dir, 'sample.test.mjs');
  writeFileSync(file, [
    "import { test } from 'node:test';",
    "test('passes', () => {});",
    "test('skipped with a reason', (t) => { t.skip('no lab here'); });",
    "test('skipped bare', { skip: true }, () => {});",
    '',
  ].join('\n'));
  const out = join(dir, 'counts.json');
  const r = spawnSync(process.execPath, ['--test', `--test-reporter=${join(repoRoot, 'scripts', 'count-reporter.mjs')}`, `--test-reporter-destination=${out}`, file], {
    // A node:test child of a test reports to its parent unless told it is a run of its own.
    encoding: 'utf8', env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')),
  });
  assert.equal(r.status, 0, r.stderr);
  const counts = JSON.parse(readFileSync(out, 'utf8')) as { passed: number; skipped: number; skips: Array<{ name: string; reason?: string }> };
  assert.equal(counts.passed, 1);
  assert.equal(counts.skipped, 2);
  assert.deepEqual(counts.skips.map((s) => [s.name.split(' > ')[1], s.reason]), [['skipped with a reason', 'no lab here'], ['skipped bare', undefined]]);
});

test('the count reporter keeps why a test failed under its name, so the closing summary says it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgc-fails-'));
  const file = join(dir, 'sample.test.mjs');
  writeFileSync(file, [
    "import { test } from 'node:test';",
    "import assert from 'node:assert/strict';",
    "test('fails', () => { assert.equal(1, 2, 'node1 to run as a standby: timed out after 60 s'); });",
    "test('passes', () => {});",
    '',
  ].join('\n'));
  const out = join(dir, 'counts.json');
  spawnSync(process.execPath, ['--test', `--test-reporter=${join(repoRoot, 'scripts', 'count-reporter.mjs')}`, `--test-reporter-destination=${out}`, file], {
    encoding: 'utf8', env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')),
  });
  const counts = JSON.parse(readFileSync(out, 'utf8')) as { passed: number; failed: number; failures: string[] };
  assert.equal(counts.failed, 1);
  assert.equal(counts.passed, 1);
  const [name, ...why] = counts.failures[0]!.split('\n');
  assert.match(name!, / > fails$/);
  assert.equal(why[0], '    node1 to run as a standby: timed out after 60 s');
  assert.ok(why.every((l) => l.trim() !== ''), 'no blank lines');
});
