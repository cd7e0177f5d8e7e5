import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { NodeDefinition } from '../../../src/core/inventory/model';
import type { ClusterStatus } from '../../../src/core/status/model';
import { FENCE_BEGIN, FENCE_MARKER_FILE, fenceBlockArgv, fenceBlockedArgv, fenceUnblockArgv } from '../../../src/core/ops/handover/fenceHba';
import type { Plan, PlanResult } from '../../../src/core/ops/engine/plan';
import { cluster, planFor, status } from './fixtures';

function ok(r: PlanResult): Plan {
  if (!r.ok) assert.fail(`plan refused: ${r.reason}`);
  return r.plan;
}
const ids = (p: Plan): string[] => p.steps.map((s) => s.id);

/** After a failover to db1: db0 thawed and answers as a primary again, pgpool has it down as a standby. */
function falsePrimary(c: ReturnType<typeof cluster>, db0Reachable = true): ClusterStatus {
  const s = status(c, [{ role: 'primary', pgpool: 'down', reachable: db0Reachable }, { role: 'primary' }, { role: 'standby' }]);
  return {
    ...s,
    nodes: s.nodes.map((n) => (n.name === 'db0' && n.pgpool ? { ...n, pgpool: { ...n.pgpool, role: 'standby' as const }, problems: ['false-primary' as const] } : n)),
  };
}

test('fence over SSH: detach, block in pg_hba, reload, stop; verified stopped, down in pgpool and not writable', () => {
  const c = cluster('15', '4.3');
  const p = ok(planFor('fence', { cluster: c, status: falsePrimary(c), fenceReach: { ssh: true, hbaFile: '/etc/pg/pg_hba.conf' } }, 'db0'));
  assert.deepEqual(ids(p), ['fence-mark-db0', 'detach-db0', 'fence-hba-db0', 'fence-reload-db0', 'stop-db0']);
  assert.equal(p.operation, 'fence');
  assert.ok(p.destructive);
  const mark = p.steps[0]?.action;
  assert.ok(mark?.kind === 'ssh' && mark.argv.includes('/data/db0.pgpool-cluster-fenced') && mark.argv.includes('/etc/pg/pg_hba.conf'), 'the mark beside the data directory names the hba file');
  const hba = p.steps[2]?.action;
  assert.ok(hba?.kind === 'ssh' && hba.argv.includes('/etc/pg/pg_hba.conf'), 'the hba file the server named');
  assert.deepEqual(p.verify.map((v) => v.kind), ['pgpool-node', 'ssh-exit', 'not-writable']);
  assert.match(p.summary, /recover db0/);
});

test('the plan says when pgpool\'s follow_primary script does not respect fences (a user\'s own script), and not when it does', () => {
  const c = cluster('15', '4.3');
  const base = { cluster: c, status: falsePrimary(c), fenceReach: { ssh: true } };
  const mine = ok(planFor('fence', { ...base, followPrimaryFence: { script: '/etc/pgpool2/my_follow.sh', respects: false } }, 'db0'));
  assert.ok(mine.warnings.some((w) => /\/etc\/pgpool2\/my_follow\.sh\) does not know fences: .*rewind db0 and start it.*configure-pgpool/.test(w)), mine.warnings.join('\n'));
  const ours = ok(planFor('fence', { ...base, followPrimaryFence: { script: '/etc/pgpool2/follow_primary.sh', respects: true } }, 'db0'));
  assert.ok(!ours.warnings.some((w) => /follow_primary/.test(w)), ours.warnings.join('\n'));
});

test('fence without SSH but with SQL: read-only and sessions ended, and the plan says it is weaker', () => {
  const c = cluster('15', '4.3');
  const p = ok(planFor('fence', { cluster: c, status: falsePrimary(c), fenceReach: { ssh: false, sshError: 'connect ECONNREFUSED' } }, 'db0'));
  assert.deepEqual(ids(p), ['detach-db0', 'fence-read-only-db0', 'fence-reload-db0', 'fence-sessions-db0']);
  assert.ok(p.warnings.some((w) => /ECONNREFUSED/.test(w) && /cannot be stopped/.test(w)), p.warnings.join('\n'));
  assert.ok(p.verify.some((v) => v.kind === 'not-writable'));
});

test('fence when nothing answers: detach only while pgpool still uses it, refused (with what to do) once pgpool has it down', () => {
  const c = cluster('15', '4.3');
  const down = falsePrimary(c, false);
  const r = planFor('fence', { cluster: c, status: down, fenceReach: { ssh: false, sshError: 'timed out' } }, 'db0');
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.reason, /neither over SSH \(timed out\).*pgpool already has it down.*fence db0.*recover db0/s);
  const stillUp = { ...down, nodes: down.nodes.map((n) => (n.name === 'db0' && n.pgpool ? { ...n, pgpool: { ...n.pgpool, status: 'up' as const } } : n)) };
  const p = ok(planFor('fence', { cluster: c, status: stillUp, fenceReach: { ssh: false, sshError: 'timed out' } }, 'db0'));
  assert.deepEqual(ids(p), ['detach-db0']);
  assert.ok(p.warnings.some((w) => /NOT stopped/.test(w)));
});

test('a down former primary whose host answers is blocked (the stop is skipped at run time when it is not running)', () => {
  const c = cluster('15', '4.3');
  const p = ok(planFor('fence', { cluster: c, status: falsePrimary(c, false), fenceReach: { ssh: true } }, 'db0'));
  assert.deepEqual(ids(p), ['fence-mark-db0', 'detach-db0', 'fence-hba-db0', 'fence-reload-db0', 'stop-db0']);
  const hba = p.steps[2]?.action;
  assert.ok(hba?.kind === 'ssh' && hba.argv.includes('/data/db0/pg_hba.conf'), 'default hba file in the data directory');
  assert.ok(p.steps[4]?.skipIf, 'the stop is skipped when it does not run');
});

test('fence is refused for the primary pgpool uses, the only writable node and a standby', () => {
  const c = cluster('15', '4.3');
  const healthy = status(c, [{ role: 'primary' }, { role: 'standby' }, { role: 'standby' }]);
  const r1 = planFor('fence', { cluster: c, status: healthy, fenceReach: { ssh: true } }, 'db0');
  assert.ok(!r1.ok && /primary pgpool uses.*switchover/.test(r1.reason));
  const r2 = planFor('fence', { cluster: c, status: healthy, fenceReach: { ssh: true } }, 'db1');
  assert.ok(!r2.ok && /standby/.test(r2.reason));
  const alone = status(c, [{ role: 'primary', pgpool: 'down' }, { role: 'standby', reachable: false }, { role: 'standby', reachable: false }]);
  const r3 = planFor('fence', { cluster: c, status: { ...alone, nodes: alone.nodes.map((n) => (n.pgpool ? { ...n, pgpool: { ...n.pgpool, role: 'standby' as const } } : n)) }, fenceReach: { ssh: true } }, 'db0');
  assert.ok(!r3.ok && /only node that accepts writes/.test(r3.reason), r3.ok ? '' : r3.reason);
});

test('recover removes a fence block while the node is stopped, before it is rebuilt', () => {
  const c = cluster('15', '4.3');
  for (const method of ['rewind', 'basebackup', 'restart'] as const) {
    const p = ok(planFor('recover', { cluster: c, status: falsePrimary(c, false), options: { method } }, 'db0'));
    const order = ids(p);
    assert.ok(order.indexOf('stop-db0') < order.indexOf('unfence-db0'), `${method}: ${order.join(',')}`);
    assert.ok(order.indexOf('unfence-db0') < order.indexOf('start-db0'), method);
    for (const id of ['rewind-db0', 'move-aside-db0']) if (order.includes(id)) assert.ok(order.indexOf('unfence-db0') < order.indexOf(id), `${method}: ${id}`);
    // The mark goes once the node streams again, before pgpool gets it back.
    assert.ok(order.indexOf('streaming-db0') < order.indexOf('unmark-db0') && order.indexOf('unmark-db0') < order.indexOf('attach-db0'), `${method}: ${order.join(',')}`);
    const unmark = p.steps.find((x) => x.id === 'unmark-db0');
    assert.ok(unmark?.action.kind === 'ssh' && unmark.action.argv.includes('/data/db0.pgpool-cluster-fenced') && unmark.skipIf, 'removes the mark, skipped without one');
  }
  const pcp = ok(planFor('recover', { cluster: c, status: falsePrimary(c, false), options: { method: 'pcp' } }, 'db0'));
  assert.ok(ids(pcp).indexOf('pcp-recovery-db0') < ids(pcp).indexOf('unmark-db0'), ids(pcp).join(','));
});

// The block / unblock scripts themselves, run by sh on a real file.
function node(dir: string): NodeDefinition {
  return { name: 'db0', id: 0, host: '127.0.0.1', port: 5432, dataDirectory: dir, ssh: {} };
}
const sh = (argv: string[]): void => { execFileSync(argv[0] ?? 'sh', argv.slice(1), { stdio: 'pipe' }); };
const blocked = (argv: string[]): boolean => { try { sh(argv); return true; } catch { return false; } };

test('the pg_hba block goes on top, is written once, and unblocking restores the file byte for byte', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fence-hba-'));
  try {
    const hba = path.join(dir, 'pg_hba.conf');
    const original = '# mine\nlocal all all trust\nhost all all 127.0.0.1/32 scram-sha-256 # keep me\n';
    writeFileSync(hba, original);
    const n = node(dir);
    assert.equal(blocked(fenceBlockedArgv(n)), false);
    sh(fenceBlockArgv(n, hba));
    sh(fenceBlockArgv(n, hba));
    const text = readFileSync(hba, 'utf8');
    assert.ok(text.startsWith(`${FENCE_BEGIN}\nhost all all 0.0.0.0/0 reject\n`), text);
    assert.equal(text.split(FENCE_BEGIN).length, 2, 'one block after two fences');
    assert.ok(text.endsWith(original));
    assert.ok(existsSync(path.join(dir, FENCE_MARKER_FILE)));
    assert.equal(blocked(fenceBlockedArgv(n)), true);
    sh(fenceUnblockArgv(n));
    assert.equal(readFileSync(hba, 'utf8'), original);
    assert.ok(!existsSync(path.join(dir, FENCE_MARKER_FILE)));
    assert.equal(blocked(fenceBlockedArgv(n)), false);
    sh(fenceUnblockArgv(n));
    assert.equal(readFileSync(hba, 'utf8'), original, 'unblocking an unfenced node changes nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an hba file outside the data directory is found again through the marker', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fence-hba-'));
  try {
    const etc = path.join(dir, 'etc');
    const data = path.join(dir, "data dir's");
    execFileSync('mkdir', ['-p', etc, data]);
    const hba = path.join(etc, 'pg_hba.conf');
    writeFileSync(hba, 'local all all peer\n');
    const n = node(data);
    sh(fenceBlockArgv(n, hba));
    assert.equal(blocked(fenceBlockedArgv(n)), true);
    sh(fenceUnblockArgv(n));
    assert.equal(readFileSync(hba, 'utf8'), 'local all all peer\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('blocking a missing hba file fails with its path', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fence-hba-'));
  try {
    const argv = fenceBlockArgv(node(dir), path.join(dir, 'nope.conf'));
    assert.throws(() => execFileSync(argv[0] ?? 'sh', argv.slice(1), { stdio: 'pipe' }), (e: Error & { stderr?: Buffer }) => /no hba file at .*nope\.conf/.test(String(e.stderr)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('recover of a node that streams and is attached: refused as nothing to do, unless its fence mark is left (then only the mark goes)', () => {
  const c = cluster('15', '4.3');
  const healthy = status(c, [{ role: 'primary' }, { role: 'standby' }, { role: 'standby' }]);
  const r = planFor('recover', { cluster: c, status: healthy }, 'db1');
  assert.ok(!r.ok && /nothing to recover/.test(r.reason), r.ok ? ids(r.plan).join(',') : r.reason);
  const p = ok(planFor('recover', { cluster: c, status: healthy, fenceMarked: true }, 'db1'));
  assert.deepEqual(ids(p), ['unmark-db1']);
  assert.equal(p.destructive, false);
  assert.match(p.summary, /only its fence mark is left/);
});
