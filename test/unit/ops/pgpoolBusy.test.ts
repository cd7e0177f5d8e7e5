/** Operations never race pgpool's own failover / follow_primary scripts: the waiter runs for real in sh. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pgpoolScriptsIdleStep, waitScriptsIdleArgv, waitScriptsIdleThenArgv, withPgpoolScriptsIdle } from '../../../src/core/ops/preflight/pgpoolBusy';
import { writeTargetAfterScriptsStep } from '../../../src/core/ops/handover/failoverTarget';
import { waitFor } from '../../harness/wait';
import { cluster, HEALTHY, status, planFor } from './fixtures';

test('the waiter refuses while a script runs (naming it), passes once it is gone, and never waits for itself', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'busy-'));
  const script = path.join(dir, 'follow_primary.sh');
  writeFileSync(script, '#!/bin/sh\nsleep 30\n');
  chmodSync(script, 0o755);
  const child = spawn(script, ['1', 'db1'], { stdio: 'ignore' });
  try {
    // The script is running once its command line names it (until the kernel has exec'd it, it is node's fork).
    await waitFor('the script to run', () => (readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').includes('follow_primary.sh') ? true : undefined), 10_000, 20);
    const argv = waitScriptsIdleArgv([path.join(dir, 'failover.sh'), script], 1);
    const busy = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    assert.equal(busy.status, 3, busy.stderr);
    assert.match(busy.stderr, new RegExp(`still running after 1 s:\\n${child.pid}: .*follow_primary\\.sh 1 db1`));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const idle = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    assert.equal(idle.status, 0, idle.stderr);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('recover, promote and switchover plans start with the wait when pgpool.conf names its scripts', () => {
  const c = cluster('15', '4.3');
  const built = planFor('switchover', { cluster: c, status: status(c, HEALTHY) }, 'db1');
  const withWait = withPgpoolScriptsIdle(built, 'pgpool', ['/etc/pgpool2/failover.sh', '/etc/pgpool2/follow_primary.sh']);
  assert.ok(withWait.ok && built.ok);
  if (withWait.ok && built.ok) {
    assert.equal(withWait.plan.steps[0]!.id, 'pgpool-scripts-idle');
    assert.equal(withWait.plan.steps.length, built.plan.steps.length + 1);
    const { alongsideNext, ...wait } = withWait.plan.steps[0]!;
    assert.deepEqual(wait, pgpoolScriptsIdleStep('pgpool', ['/etc/pgpool2/failover.sh', '/etc/pgpool2/follow_primary.sh']));
    // Alongside the plan's first step only when that one changes nothing (a check).
    const first = built.plan.steps[0]!;
    assert.equal(alongsideNext === true, first.action.kind === 'wait' && !first.destructive, `${first.id}: alongside ${String(alongsideNext)}`);
    assert.match(withWait.plan.steps[0]!.title, /failover\.sh \/ follow_primary\.sh are not running \(at most 60 s\)/);
  }
  assert.equal(withPgpoolScriptsIdle(built, 'pgpool', []), built, 'no scripts known: the plan is unchanged');
});

test('the wait and the target file in one command: nothing is written while a script runs, the file once it is gone', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'busy-'));
  const script = path.join(dir, 'failover.sh');
  const file = path.join(dir, 'failover.target');
  writeFileSync(script, '#!/bin/sh\nsleep 30\n');
  chmodSync(script, 0o755);
  const child = spawn(script, ['0', 'db0'], { stdio: 'ignore' });
  try {
    await waitFor('the script to run', () => (readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').includes('failover.sh') ? true : undefined), 10_000, 20);
    const node = (id: number): { name: string; id: number } => ({ name: `db${id}`, id });
    const step = writeTargetAfterScriptsStep('pgpool', file, node(1) as never, node(0) as never, [script, path.join(dir, 'follow_primary.sh')]);
    assert.ok(step.action.kind === 'ssh');
    if (step.action.kind !== 'ssh') return;
    assert.match(step.title, /failover\.sh \/ follow_primary\.sh are not running \(at most 60 s\), then tell pgpool's failover script to promote db1 \(node 1\)/);
    const short = waitScriptsIdleThenArgv([script], 'printf "%s %s %s\\n" "$1" "$2" "$3" > "$1"', [file, '1', '0'], 1);
    const busy = spawnSync(short[0]!, short.slice(1), { encoding: 'utf8' });
    assert.equal(busy.status, 3, busy.stderr);
    assert.match(busy.stderr, /still running after 1 s/);
    assert.throws(() => readFileSync(file), /ENOENT/, 'nothing written while the script runs');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const argv = step.action.argv;
    const done = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    assert.equal(done.status, 0, done.stderr);
    assert.equal(readFileSync(file, 'utf8'), '1 0\n');
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
