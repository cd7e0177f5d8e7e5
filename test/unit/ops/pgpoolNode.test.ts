import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterDefinition } from '../../../src/core/inventory/model';
import { buildPgpoolNodePlan, stopConsequences } from '../../../src/core/ops/handover/pgpoolNode';
import type { ClusterStatus, PgpoolStatus } from '../../../src/core/status/model';
import { cluster as oneCluster, HEALTHY, status as statusOf } from './fixtures';

const three: ClusterDefinition = {
  ...oneCluster('15', '4.3'),
  pgpool: [0, 1, 2].map((i) => ({ name: `pgpool${i}`, host: `10.0.0.${10 + i * 10}`, port: 9999, pcpPort: 9898, configFile: '/etc/pgpool-II/pgpool.conf', binDir: '/usr/bin', ssh: {} })),
};

function wd(roles: string[], leader: string | null, vipOn: string[] = leader ? [leader] : []): ClusterStatus {
  const base = statusOf(three, HEALTHY);
  const pgpoolInstances: PgpoolStatus[] = three.pgpool.map((p, i) => ({
    name: p.name, host: p.host, port: p.port, reachable: !['SHUTDOWN', 'LOST'].includes(roles[i] ?? ''),
    watchdog: { role: roles[i] ?? 'UNKNOWN', priority: 3 - i, holdsVip: vipOn.includes(p.name) },
  }));
  return { ...base, pgpool: pgpoolInstances[0]!, pgpoolInstances, watchdog: { quorum: 'exist', leader, vip: '10.0.0.100', vipHolders: vipOn } };
}

test('stopping the leader: the plan names the likely next leader (highest priority alive) and the VIP', () => {
  const notes = stopConsequences(three, wd(['LEADER', 'STANDBY', 'STANDBY'], 'pgpool0'), 'pgpool0');
  assert.equal(notes.length, 1);
  assert.match(notes[0] ?? '', /pgpool0 is the watchdog leader: the 2 remaining pgpool node\(s\) \(pgpool1 and pgpool2\) elect a new one, most likely pgpool1 \(highest wd_priority, 2\), which then brings up the VIP 10\.0\.0\.100/);
});

test('stopping the leader when only one other pgpool is alive: no quorum, nobody takes the VIP', () => {
  const notes = stopConsequences(three, wd(['LEADER', 'SHUTDOWN', 'STANDBY'], 'pgpool0'), 'pgpool0');
  assert.match(notes[0] ?? '', /1 of 3 pgpool nodes remain: no quorum, so no new leader takes the VIP/);
});

test('stopping a standby: the leader keeps the VIP; quorum kept or lost is said', () => {
  assert.match(stopConsequences(three, wd(['LEADER', 'STANDBY', 'STANDBY'], 'pgpool0'), 'pgpool2')[0] ?? '', /leader \(pgpool0\) keeps the VIP\. Quorum holds with 2 of 3/);
  assert.match(stopConsequences(three, wd(['LEADER', 'SHUTDOWN', 'STANDBY'], 'pgpool0'), 'pgpool2')[0] ?? '', /Only 1 of 3 remain: the watchdog loses quorum/);
  assert.deepEqual(stopConsequences(oneCluster('15', '4.3'), statusOf(oneCluster('15', '4.3'), HEALTHY), 'pgpool'), [], 'one pgpool: nothing to say');
});

test('stop plan: fast stop (skipped when not running), then the orphans; verified stopped; destructive', () => {
  const r = buildPgpoolNodePlan('stop', three, wd(['LEADER', 'STANDBY', 'STANDBY'], 'pgpool0'), 'pgpool0');
  assert.ok(r.ok);
  const p = r.plan;
  assert.equal(p.operation, 'pgpool-stop');
  assert.equal(p.destructive, true);
  assert.deepEqual(p.steps.map((s) => s.id), ['stop', 'stop-orphans']);
  const stop = p.steps[0]!.action;
  assert.ok(stop.kind === 'ssh');
  assert.deepEqual(stop.argv, ['/usr/bin/pgpool', '-f', '/etc/pgpool-II/pgpool.conf', '-m', 'fast', 'stop']);
  assert.equal(p.steps[0]!.skipIf?.kind, 'ssh-exit');
  assert.match(p.warnings.join('\n'), /most likely pgpool1/);
  assert.equal(p.verify[0]?.kind, 'ssh-exit');
});

test('start plan stops orphans first and starts beside the conf with its pcp.conf and pool_hba.conf, logging to logdir; recover adds -D', () => {
  const start = buildPgpoolNodePlan('start', three, wd(['LEADER', 'SHUTDOWN', 'STANDBY'], 'pgpool0'), 'pgpool1', { logDir: '/var/log/pgpool' });
  assert.ok(start.ok);
  assert.deepEqual(start.plan.steps.map((s) => s.id), ['stop-orphans', 'start']);
  const a = start.plan.steps[1]!.action;
  assert.ok(a.kind === 'ssh');
  assert.deepEqual(a.argv.slice(3), ['pgpool-start', '/usr/bin/pgpool', '/etc/pgpool-II/pgpool.conf', '/etc/pgpool-II/pcp.conf', '/etc/pgpool-II/pool_hba.conf', '/var/log/pgpool/pgpool.log']);
  assert.equal(start.plan.destructive, false);
  assert.equal(start.plan.verify[0]?.kind, 'sql-true');
  const recover = buildPgpoolNodePlan('recover', three, undefined, 'pgpool1');
  assert.ok(recover.ok);
  assert.deepEqual(recover.plan.steps.map((s) => s.id), ['stop', 'stop-orphans', 'start']);
  const ra = recover.plan.steps[2]!.action;
  assert.ok(ra.kind === 'ssh');
  assert.equal(ra.argv.at(-1), '-D');
  assert.equal(recover.plan.steps[2]!.skipIf, undefined, 'recover always starts');
});

test('an unknown pgpool name is refused with the names there are', () => {
  const r = buildPgpoolNodePlan('stop', three, undefined, 'pgpool9');
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.reason, /no pgpool node named "pgpool9"; its pgpool nodes are pgpool0, pgpool1, pgpool2/);
});
