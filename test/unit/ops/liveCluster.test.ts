/** Robust against a live cluster: servers that die on their own, leftovers of a kill -9, failed starts. Scripts run for real in sh. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listLeftoversArgv, startShowingLogArgv, stopLeftoversArgv } from '../../../src/core/ops/engine/pgCommands';
import type { OpsEnvironment } from '../../../src/core/ops/engine/environment';
import type { Plan } from '../../../src/core/ops/engine/plan';
import { runPlan } from '../../../src/core/ops/engine/runner';
import { stopStep } from '../../../src/core/ops/engine/steps';
import type { SqlClient } from '../../../src/core/db/types';
import { cluster } from './fixtures';

const run = (argv: readonly string[]): ReturnType<typeof spawnSync> => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/State:\s*Z/.test(spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout);

function withDataDir(fn: (dir: string) => Promise<void> | void): Promise<void> | void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'live-'));
  const done = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    const r = fn(dir);
    if (r instanceof Promise) return r.finally(done);
    done();
  } catch (err) {
    done();
    throw err;
  }
  return undefined;
}

test('a failed start prints the last 20 lines of the server log, not just "examine the log output"', () => withDataDir((dir) => {
  writeFileSync(path.join(dir, 'startup.log'), Array.from({ length: 30 }, (_, i) => `log line ${i + 1}`).join('\n') + '\n');
  const node = { ...cluster('15', '4.3').nodes[0]!, dataDirectory: dir };
  const failed = run(startShowingLogArgv(node, ['sh', '-c', 'echo "pg_ctl: could not start server" >&2; exit 1']));
  assert.equal(failed.status, 1);
  assert.match(String(failed.stderr), /could not start server/);
  assert.match(String(failed.stderr), new RegExp(`--- last 20 lines of ${dir}/startup.log:`));
  assert.match(String(failed.stderr), /log line 11\n[\s\S]*log line 30/);
  assert.doesNotMatch(String(failed.stderr), /log line 10\n/);
  // The collector's newest file is shown too.
  writeFileSync(path.join(dir, 'startup.log'), '');
  spawnSync('mkdir', [path.join(dir, 'log')]);
  writeFileSync(path.join(dir, 'log', 'postgresql-1.log'), 'FATAL:  lock file "postmaster.pid" already exists\n');
  assert.match(String(run(startShowingLogArgv(node, ['false'])).stderr), /lock file "postmaster\.pid" already exists/);
  // A start that works prints nothing extra and exits 0.
  const ok = run(startShowingLogArgv(node, ['true']));
  assert.equal(ok.status, 0);
  assert.equal(ok.stderr, '');
}));

test('leftovers of a killed postmaster are found by their working directory and stopped; other processes are not', () => withDataDir(async (dir) => {
  const node = { ...cluster('15', '4.3').nodes[0]!, dataDirectory: dir };
  // A stand-in backend: a program named postgres (its comm) running in the data directory.
  const bin = mkdtempSync(path.join(os.tmpdir(), 'live-bin-'));
  copyFileSync('/bin/sleep', path.join(bin, 'postgres'));
  const child = spawn(path.join(bin, 'postgres'), ['60'], { cwd: dir, stdio: 'ignore' });
  const bystander = spawn(path.join(bin, 'postgres'), ['60'], { cwd: os.tmpdir(), stdio: 'ignore' });
  const adminShell = spawn('sleep', ['60'], { cwd: dir, stdio: 'ignore' });
  try {
    // The dead postmaster's pid file names a pid that no longer runs.
    writeFileSync(path.join(dir, 'postmaster.pid'), '999999999\n');
    // The plan lists them first (read-only)...
    const listed = run(listLeftoversArgv(node));
    assert.equal(listed.status, 0);
    assert.match(String(listed.stdout), new RegExp(`by a server that died: ${child.pid} `));
    assert.equal(alive(child.pid!), true, 'listing stops nothing');
    // ...the step stops them.
    const r = run(stopLeftoversArgv(node));
    assert.equal(r.status, 0, String(r.stderr));
    assert.match(String(r.stdout), new RegExp(`processes left on .* by a server that died: ${child.pid} `));
    await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(alive(bystander.pid!), true, 'a process elsewhere is left alone');
    assert.equal(alive(adminShell.pid!), true, 'a process that is not postgres in the data directory is left alone');
    // Nothing left: exit 0, silent.
    const again = run(stopLeftoversArgv(node));
    assert.deepEqual([again.status, again.stdout], [0, '']);
  } finally {
    child.kill('SIGKILL');
    bystander.kill('SIGKILL');
    adminShell.kill('SIGKILL');
    rmSync(bin, { recursive: true, force: true });
  }
}));

test('a pg_basebackup into the data directory that a cancelled recover left running is stopped; one into another directory is not', () => withDataDir(async (dir) => {
  const node = { ...cluster('15', '4.3').nodes[0]!, dataDirectory: dir };
  // Stand-ins named pg_basebackup (their comm), as the step runs it: pg_basebackup -d CONNINFO -D DIR ...
  const bin = mkdtempSync(path.join(os.tmpdir(), 'live-bin-'));
  writeFileSync(path.join(bin, 'pg_basebackup'), '#!/bin/sh\nsleep 60 & wait\n', { mode: 0o755 });
  const copy = spawn(path.join(bin, 'pg_basebackup'), ['-d', 'host=x', '-D', dir, '-X', 'stream'], { cwd: os.tmpdir(), stdio: 'ignore' });
  const other = spawn(path.join(bin, 'pg_basebackup'), ['-D', `${dir}-other`], { cwd: os.tmpdir(), stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 100));
    const r = run(stopLeftoversArgv(node));
    assert.equal(r.status, 0, String(r.stderr));
    assert.match(String(r.stdout), new RegExp(`processes left on .*: ${copy.pid} `));
    await new Promise((resolve) => copy.once('exit', resolve));
    assert.equal(alive(other.pid!), true, 'a copy into another directory is left alone');
  } finally {
    copy.kill('SIGKILL');
    other.kill('SIGKILL');
    rmSync(bin, { recursive: true, force: true });
  }
}));

test('a live postmaster on the data directory (started by pgpool\'s scripts meanwhile) is never touched: exit 3 and why', () => withDataDir((dir) => {
  const node = { ...cluster('15', '4.3').nodes[0]!, dataDirectory: dir };
  const postmaster = spawn('sleep', ['60'], { cwd: dir, stdio: 'ignore' });
  try {
    writeFileSync(path.join(dir, 'postmaster.pid'), `${postmaster.pid}\n${dir}\n`);
    const r = run(stopLeftoversArgv(node));
    assert.equal(r.status, 3);
    assert.match(String(r.stderr), /a postmaster \(pid \d+\) runs on .*follow_primary/);
    assert.equal(alive(postmaster.pid!), true);
  } finally {
    postmaster.kill('SIGKILL');
  }
  // A data directory that does not exist yet (a new standby) has nothing to stop.
  assert.equal(run(stopLeftoversArgv({ ...node, dataDirectory: path.join(dir, 'missing') })).status, 0);
}));

test('a server already down when the stop runs counts as stopped once pg_ctl status agrees', async () => {
  const c = cluster('15', '4.3');
  const node = c.nodes[1]!;
  let statusCalls = 0;
  const ran: string[] = [];
  const env: OpsEnvironment = {
    nodes: c.nodes.map((n) => n.name),
    remote: () => ({
      label: 'fake',
      exec: async (cmd) => {
        const argv = cmd as readonly string[];
        ran.push(argv.join(' '));
        if (argv.includes('stop')) return { code: 1, signal: null, stdout: '', stderr: 'pg_ctl: could not send stop signal (PID: 4242): No such process' };
        // First probe: still "running" (a zombie not yet reaped); then not running.
        if (argv.includes('status')) return { code: ++statusCalls <= 2 ? 0 : 3, signal: null, stdout: '', stderr: '' };
        return { code: 0, signal: null, stdout: '', stderr: '' };
      },
      readFile: async () => Buffer.alloc(0), writeFile: async () => undefined,
    }),
    sql: () => ({ label: 'x', query: async () => [], close: async () => undefined }) as SqlClient,
    pcp: async () => '', pgpoolNode: async () => { throw new Error('unused'); }, close: async () => undefined,
  };
  const plan: Plan = {
    operation: 'recover', cluster: c.name, node: node.name, summary: 's', warnings: [], destructive: true, verify: [], versions: { postgres: '15', pgpool: '4.3' },
    steps: [stopStep(node, 'test', 'down')],
  };
  const o = await runPlan(plan, env);
  assert.equal(o.ok, true, o.message);
  assert.ok(ran.some((r) => r.includes(' stop')), 'the stop ran (the probe said running)');
});
