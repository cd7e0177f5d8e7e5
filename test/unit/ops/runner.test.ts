import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import type { PgpoolNodeView } from '../../../src/core/db/poolNodes';
import type { SqlClient } from '../../../src/core/db/types';
import type { OpsEnvironment } from '../../../src/core/ops/engine/environment';
import { acquireLock, LockError, lockPath } from '../../../src/core/ops/engine/lock';
import { runOperation } from '../../../src/core/ops/engine/operation';
import type { Plan, PlanStep } from '../../../src/core/ops/engine/plan';
import { runPlan } from '../../../src/core/ops/engine/runner';
import { waitFor } from '../../harness/wait';
import { cluster, HEALTHY, planFor, status } from './fixtures';
import type { ExecResult, RemoteHost } from '../../../src/core/remote/types';
import { RemoteError } from '../../../src/core/remote/errors';

function fakeEnv(exec: (argv: readonly string[]) => Partial<ExecResult>, sql: (q: string) => unknown = () => true): OpsEnvironment & { ran: string[] } {
  const ran: string[] = [];
  const host: RemoteHost = {
    label: 'fake',
    exec: async (cmd) => {
      const argv = Array.isArray(cmd) ? cmd : [];
      ran.push(argv.join(' '));
      return { code: 0, signal: null, stdout: '', stderr: '', ...exec(argv) };
    },
    readFile: async () => Buffer.from(''),
    writeFile: async () => undefined,
  };
  const client: SqlClient = { label: 'fake-sql', query: async (q) => { ran.push(q); return [{ v: sql(q) }] as never; }, close: async () => undefined };
  return {
    ran, nodes: ['a', 'b'], remote: () => host, sql: () => client,
    pcp: async (tool) => { ran.push(tool); return ''; },
    pgpoolNode: async (id) => ({ id, host: 'h', port: 1, status: 'up', role: 'standby' }) as PgpoolNodeView,
    close: async () => undefined,
  };
}

const step = (id: string, argv: string[], extra: Partial<PlanStep> = {}): PlanStep => ({
  id, title: id, why: 'test', destructive: false, action: { kind: 'ssh', host: 'a', argv }, onFailure: `state after ${id}`, ...extra,
});

const plan = (steps: PlanStep[]): Plan => ({
  operation: 'recover', cluster: 'c1', node: 'a', summary: 's', steps, warnings: [], destructive: false, verify: [], versions: { postgres: '15', pgpool: '4.3' },
});

test('the runner stops at the first failed step and says what state the cluster is in', async () => {
  const env = fakeEnv((argv) => (argv[0] === 'bad' ? { code: 1, stderr: 'boom' } : {}));
  const o = await runPlan(plan([step('one', ['ok']), step('two', ['bad']), step('three', ['ok'])]), env);
  assert.equal(o.ok, false);
  assert.equal(o.failedStep, 'two');
  assert.match(o.message, /Step 2 \(two\) failed: exit 1 on a: boom\. state after two/);
  assert.deepEqual(env.ran, ['ok', 'bad']);
});

test('skipIf skips, captures feed later checks, optional failures only warn', async () => {
  const env = fakeEnv((argv) => {
    if (argv[0] === 'controldata') return { stdout: 'Latest checkpoint location:           0/3000028\n' };
    if (argv[0] === 'test') return { code: 0 };
    if (argv[0] === 'opt') return { code: 2 };
    return {};
  }, (q) => (q.includes('lsn') ? '0/3000100' : true));
  const warnings: string[] = [];
  const o = await runPlan(plan([
    step('skipped', ['never'], { skipIf: { kind: 'ssh-exit', host: 'a', argv: ['test'], exitCodes: [0], describe: 'x' } }),
    step('cd', ['controldata'], { capture: { fact: 'ckpt', from: 'controldata-checkpoint' } }),
    step('opt', ['opt'], { optional: true }),
    step('wait', [], { action: { kind: 'wait' }, check: { kind: 'replayed-past', node: 'b', sql: 'select lsn', fact: 'ckpt', describe: 'past' } }),
  ]), env, { onEvent: (e) => { if (e.type === 'warning') warnings.push(e.message); } });
  assert.equal(o.ok, true, o.message);
  assert.equal(o.facts.ckpt, '0/3000028');
  assert.ok(!env.ran.includes('never'));
  assert.equal(warnings.length, 1);
});

test('"no-primary" holds while none of the nodes answers as a primary; an unreachable node counts as none', async () => {
  const check = { kind: 'no-primary', nodes: ['a', 'b'], describe: 'none of a, b is a primary' } as const;
  const none = await runPlan(plan([step('guard', [], { action: { kind: 'wait' }, check })]), fakeEnv(() => ({}), () => false));
  assert.equal(none.ok, true, none.message);
  const down = fakeEnv(() => ({}));
  const unreachable = await runPlan(plan([step('guard', [], { action: { kind: 'wait' }, check })]), { ...down, sql: () => ({ label: 'x', query: async () => { throw new Error('refused'); }, close: async () => undefined }) });
  assert.equal(unreachable.ok, true, unreachable.message);
  const one = await runPlan(plan([step('guard', [], { action: { kind: 'wait' }, check })]), fakeEnv(() => ({}), () => true));
  assert.equal(one.ok, false);
  assert.match(one.message, /already a primary: a, b/);
});

test('cancellation stops before the next step', async () => {
  const ac = new AbortController();
  const env = fakeEnv((argv) => { if (argv[0] === 'first') ac.abort(); return {}; });
  const o = await runPlan(plan([step('first', ['first']), step('second', ['second'])]), env, { signal: ac.signal });
  assert.equal(o.cancelled, true);
  assert.ok(!env.ran.includes('second'));
});

test('the lock refuses a live holder, takes over a dead or old one, and the audit gets a line per run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgc-lock-'));
  const held = await acquireLock('c1', 'test', { dir });
  await assert.rejects(acquireLock('c1', 'other', { dir }), LockError);
  await held.release();
  writeFileSync(lockPath('c1', dir), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), startedAt: new Date().toISOString(), operation: 'crashed' }));
  const again = await acquireLock('c1', 'test', { dir });
  await again.release();
  writeFileSync(lockPath('c1', dir), JSON.stringify({ pid: process.pid, host: 'elsewhere', startedAt: new Date(Date.now() - 3_600_000).toISOString(), operation: 'old' }));
  await (await acquireLock('c1', 'test', { dir })).release();
  // A live process on this host holds its lock however old it is (a long base backup is still running).
  writeFileSync(lockPath('c1', dir), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date(Date.now() - 86_400_000).toISOString(), operation: 'long' }));
  await assert.rejects(acquireLock('c1', 'test', { dir }), LockError);
  // Another host's lock with a fresh heartbeat holds too.
  writeFileSync(lockPath('c1', dir), JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: new Date(Date.now() - 3_600_000).toISOString(), heartbeatAt: new Date().toISOString(), operation: 'remote' }));
  await assert.rejects(acquireLock('c1', 'test', { dir }), LockError);

  rmSync(lockPath('c1', dir));

  const audit = join(dir, 'audit.jsonl');
  const env = fakeEnv(() => ({}));
  const c = { name: 'c1', ssh: {}, database: {}, replication: {}, pgpool: [], nodes: [] };
  await runOperation(plan([step('one', ['ok'])]), c, env, { via: 'test', lock: { dir }, auditFile: audit });
  await runOperation(plan([step('one', ['bad'])]), c, fakeEnv(() => ({ code: 3 })), { via: 'test', lock: { dir }, auditFile: audit });
  const lines = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { outcome: { ok: boolean }; actor: string; plan: unknown[] });
  assert.deepEqual(lines.map((l) => l.outcome.ok), [true, false]);
  assert.match(lines[0]!.actor, /@/);
});

test('a dead holder\'s lock is taken over by exactly one of many takers; the holder keeps its heartbeat fresh', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgc-lock-race-'));
  for (let round = 0; round < 5; round++) {
    writeFileSync(lockPath('c2', dir), JSON.stringify({ pid: 2 ** 22 + 54321, host: hostname(), startedAt: new Date().toISOString(), operation: 'crashed' }));
    const tries = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => acquireLock('c2', `taker ${i}`, { dir })));
    const won = tries.filter((t): t is PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>> => t.status === 'fulfilled');
    assert.equal(won.length, 1, `round ${round}: ${won.length} takers hold the lock at once`);
    assert.ok(tries.filter((t) => t.status === 'rejected').every((t) => (t as PromiseRejectedResult).reason instanceof LockError));
    await won[0]!.value.release();
  }
  const lock = await acquireLock('c2', 'beating', { dir, heartbeatMs: 20 });
  const first = (JSON.parse(readFileSync(lockPath('c2', dir), 'utf8')) as { heartbeatAt: string }).heartbeatAt;
  await waitFor('the heartbeat to move', () => {
    const beat = (JSON.parse(readFileSync(lockPath('c2', dir), 'utf8')) as { heartbeatAt: string }).heartbeatAt;
    return beat > first ? beat : undefined;
  }, 10_000, 10);
  await lock.release();
  assert.equal(existsSync(lockPath('c2', dir)), false, 'released');
});

test('alongsideNext: the marked step and the next run at once; the first failure in plan order stops the plan', async () => {
  // Each of "x" and "y" waits until the other has started: only running them together lets both finish.
  const started = new Set<string>();
  const both = async (me: string): Promise<void> => { started.add(me); await waitFor('both steps started', () => (started.size === 2 ? true : undefined), 30_000, 5); };
  const base = fakeEnv(() => ({}));
  const env: OpsEnvironment = { ...base, remote: () => ({ label: 'fake', exec: async (cmd) => { const argv = cmd as string[]; if (argv[0] !== 'after') await both(argv[0]!); base.ran.push(argv[0]!); return { code: argv[0] === 'y' ? 3 : 0, signal: null, stdout: '', stderr: '' }; }, readFile: async () => Buffer.from(''), writeFile: async () => undefined }) };
  const o = await runPlan(plan([step('x', ['x'], { alongsideNext: true }), step('y', ['y']), step('after', ['after'])]), env);
  assert.equal(o.ok, false);
  assert.equal(o.failedStep, 'y');
  assert.equal(o.completedSteps, 1, 'x finished, y failed');
  assert.deepEqual(base.ran.sort(), ['x', 'y'], 'the step after the group never ran');

  started.clear();
  base.ran.length = 0;
  const fine = await runPlan(plan([step('x', ['x'], { alongsideNext: true }), step('z', ['y'], { optional: true }), step('after', ['after'])]), env);
  assert.equal(fine.ok, true, fine.message);
  assert.deepEqual(fine.steps.map((s) => s.id), ['x', 'z', 'after']);
});

test('a failed step with an undo runs the undo in order; the message says the failure, then that it was undone', async () => {
  const env = fakeEnv((argv) => (argv[0] === 'bad' ? { code: 1, stderr: 'boom' } : {}));
  const undo = { steps: [step('guard', ['guard']), step('restart', ['restart'])], done: 'a is the primary again.' };
  const o = await runPlan(plan([step('stop', ['stop']), step('wait', ['bad'], { undo }), step('promote', ['promote'], { undo })]), env);
  assert.equal(o.ok, false);
  assert.equal(o.undone, true);
  assert.equal(o.failedStep, 'wait');
  assert.match(o.message, /^Step 2 \(wait\) failed: exit 1 on a: boom\. state after wait Undone: a is the primary again\.$/);
  assert.deepEqual(env.ran, ['stop', 'bad', 'guard', 'restart']);
});

test('an undo stops at its first failed step (a guard) and says why nothing more was done; the rest of the undo does not run', async () => {
  const env = fakeEnv((argv) => (argv[0] === 'bad' || argv[0] === 'guard' ? { code: 1, stderr: `${argv[0]} failed` } : {}));
  const undo = { steps: [step('guard', ['guard'], { onFailure: 'a stays stopped: run status.' }), step('restart', ['restart'])], done: 'never said' };
  const o = await runPlan(plan([step('wait', ['bad'], { undo })]), env);
  assert.equal(o.undone, false);
  assert.match(o.message, /state after wait Not undone: Step undo 1\/2 \(guard\) failed: exit 1 on a: guard failed\. a stays stopped: run status\.$/);
  assert.doesNotMatch(o.message, /never said/);
  assert.deepEqual(env.ran, ['bad', 'guard']);
  // A step without an undo reports as before, with no undone field.
  const plain = await runPlan(plan([step('wait', ['bad'])]), fakeEnv((argv) => (argv[0] === 'bad' ? { code: 1 } : {})));
  assert.equal(plain.undone, undefined);
});

test('switchover undo: refused while another node is a primary (the old one is not started), done when every other node is a standby', async () => {
  const c = cluster('15', '4.3');
  const input = { cluster: c, status: status(c, HEALTHY), failoverWaitsForCleanStop: true, failoverTargetFile: '/etc/pgpool2/failover.target', failoverScript: '/etc/pgpool2/failover.sh' };
  const built = planFor('switchover', input, 'db1');
  assert.ok(built.ok);
  // Run from the replay check on: the old primary's checkpoint is known and db1 stays behind it.
  const from = built.plan.steps.findIndex((s) => s.id === 'replayed-db1');
  const p: Plan = { ...built.plan, steps: built.plan.steps.slice(from).map((s) => (s.check?.kind === 'replayed-past' ? { ...s, check: { ...s.check, waitMs: 0 } } : s)) };
  const run = async (db1Primary: boolean): Promise<{ o: Awaited<ReturnType<typeof runPlan>>; ran: string[] }> => {
    const env = fakeEnv(() => ({}));
    const sqlOn = (node: string): SqlClient => ({
      label: node, close: async () => undefined,
      query: async (q) => {
        env.ran.push(`${node}: ${q}`);
        if (/CASE WHEN pg_is_in_recovery/.test(q)) return [{ lsn: '0/1000000' }] as never;
        const primary = node === 'db0' || (node === 'db1' && db1Primary);
        return [{ ok: q.includes('NOT pg_is_in_recovery') ? primary : !primary }] as never;
      },
    });
    const e: OpsEnvironment = { ...env, sql: sqlOn, pgpoolNode: async (id) => ({ id, host: 'h', port: 1, status: 'up', role: id === 0 ? 'primary' : 'standby' }) as PgpoolNodeView };
    const o = await runPlan(p, e);
    return { o, ran: env.ran };
  };
  const refused = await run(true);
  assert.equal(refused.o.undone, false);
  assert.match(refused.o.message, /db0 is stopped and db1 has not replayed all of its WAL, so it was not promoted\. Not undone: .*db0 stays stopped: db1 is a primary or does not answer/);
  assert.ok(!refused.ran.some((r) => r.includes('pg_ctl') && r.includes('start')), refused.ran.join('\n'));
  const undone = await run(false);
  assert.equal(undone.o.undone, true, undone.o.message);
  assert.match(undone.o.message, /Undone: db0 runs again as the primary and pgpool routes writes to it; db1 was not promoted/);
  const order = undone.ran.filter((r) => /failover-target|wait-scripts|pg_ctl|pcp_attach|rm -f/.test(r));
  assert.match(order[0]!, /pgpool-cluster-failover-target \/etc\/pgpool2\/failover\.target 0 0/);
  assert.match(order[1]!, /pgpool-cluster-wait-scripts 150 \/etc\/pgpool2\/failover\.sh/);
  assert.match(order[2]!, /pg_ctl.* start/);
  assert.match(order.at(-1)!, /^rm -f -- \/etc\/pgpool2\/failover\.target$/);
});

test('a step whose check does not hold runs its retry once; it passes when the retry does, else fails with the retry\'s state', async () => {
  let attached = false;
  const env = fakeEnv((argv) => { if (argv[0] === 'attach') attached = true; return {}; });
  const e: OpsEnvironment = { ...env, pgpoolNode: async (id) => ({ id, host: 'h', port: 1, status: attached ? 'up' : 'down', role: attached ? 'primary' : 'standby' }) as PgpoolNodeView };
  const sees = { kind: 'pgpool-node', id: 1, role: 'primary', status: ['up'], waitMs: 0, describe: 'pgpool sees node 1 as the primary' } as const;
  const retry = step('attach', ['attach'], { check: sees });
  const o = await runPlan(plan([step('sees', [], { action: { kind: 'wait' }, check: sees, retry }), step('next', ['next'])]), e);
  assert.equal(o.ok, true, o.message);
  assert.deepEqual(env.ran, ['attach', 'next']);
  const never = fakeEnv(() => ({}));
  const n: OpsEnvironment = { ...never, pgpoolNode: async (id) => ({ id, host: 'h', port: 1, status: 'down', role: 'standby' }) as PgpoolNodeView };
  const f = await runPlan(plan([step('sees', [], { action: { kind: 'wait' }, check: sees, retry }), step('next', ['next'])]), n);
  assert.equal(f.ok, false);
  assert.match(f.message, /^Step 1 \(retry\) \(attach\): "pgpool sees node 1 as the primary" did not hold \(.*\)\. state after attach$/);
  assert.deepEqual(never.ran, ['attach']);
});

test('SSH that fails, not the command, is said as such: the half-done state and SSH advice, not the command\'s own causes (fault 8)', async () => {
  const causes = { causes: 'disk space, pg_hba replication line', onCancel: 'half-done state of copy' };
  // sshd killed while the command runs: the channel closes with neither an exit code nor a signal.
  const lost = await runPlan(plan([step('copy', ['pg_basebackup'], causes)]), fakeEnv(() => ({ code: null, signal: null, stderr: 'waiting for checkpoint' })));
  assert.equal(lost.ok, false);
  assert.match(lost.message, /the SSH connection to a ended before the command did .*: waiting for checkpoint\. half-done state of copy SSH to a failed, not the command: check that sshd runs there/);
  assert.doesNotMatch(lost.message, /disk space|Fix the error/);
  // The host cannot be reached for the step at all.
  const down = fakeEnv(() => ({}));
  const unreachable = await runPlan(plan([step('copy', ['pg_basebackup'], causes)]), {
    ...down, remote: () => ({ ...down.remote('a'), exec: async () => { throw new RemoteError('connect-failed', 'connect ECONNREFUSED 10.0.0.1:22', 'a'); } }),
  });
  assert.match(unreachable.message, /could not reach a over SSH, the command did not start: connect ECONNREFUSED.*SSH to a failed, not the command/);
  // The command's own failure names its causes; a step without causes is said as before.
  const own = await runPlan(plan([step('copy', ['pg_basebackup'], causes)]), fakeEnv(() => ({ code: 1, stderr: 'No space left on device' })));
  assert.match(own.message, /exit 1 on a: No space left on device\. state after copy Fix the error \(disk space, pg_hba replication line\) and re-run\.$/);
  const plain = await runPlan(plan([step('other', ['x'])]), fakeEnv(() => ({ code: 1, stderr: 'no' })));
  assert.match(plain.message, /exit 1 on a: no\. state after other$/);
  // A cancel is still a cancel, not a lost connection.
  const ac = new AbortController();
  ac.abort();
  const cancelled = await runPlan(plan([step('copy', ['pg_basebackup'], causes)]), fakeEnv(() => ({})), { signal: ac.signal });
  assert.equal(cancelled.cancelled, true);
});

test("a step marked warmSql has its node's SQL session opened when the run starts, before the steps ahead of it", async () => {
  const env = fakeEnv(() => ({}));
  const idle: PlanStep = {
    id: 'idle', title: 'idle', why: 'test', destructive: false, action: { kind: 'wait' }, warmSql: true, optional: true, onFailure: 'x',
    check: { kind: 'sql-true', node: 'a', sql: 'SELECT idle', describe: 'idle' },
  };
  const o = await runPlan(plan([step('first', ['first']), idle, step('stop', ['stop'])]), env);
  assert.equal(o.ok, true, o.message);
  assert.deepEqual(env.ran, ['SELECT 1', 'first', 'SELECT idle', 'stop']);
});
