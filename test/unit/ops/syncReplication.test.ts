import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syncStandbyNamesError } from '../../../src/core/conf/rules/syncStandbyNames';
import type { Plan, PlanResult } from '../../../src/core/ops/engine/plan';
import { commandText } from '../../../src/core/ops/engine/plan';
import { buildSyncPlan, parseSyncSpec, syncName, syncStandbyNamesValue, withSyncSteps } from '../../../src/core/ops/setup/syncReplication';
import { cluster, HEALTHY, status } from './fixtures';

function ok(r: PlanResult): Plan {
  if (!r.ok) assert.fail(`plan refused: ${r.reason}`);
  return r.plan;
}

test('sync modes are read from words, with a message saying what to write otherwise', () => {
  assert.deepEqual(parseSyncSpec(['ANY', '1']), { method: 'ANY', count: 1 });
  assert.deepEqual(parseSyncSpec('first 2'), { method: 'FIRST', count: 2 });
  assert.deepEqual(parseSyncSpec(['OFF']), { method: 'off' });
  for (const bad of ['ANY', 'ANY 0', 'ANY x', 'SOME 1', 'ANY 1 2', '']) {
    const r = parseSyncSpec(bad);
    assert.equal(typeof r, 'string', bad);
    assert.match(r as string, /ANY n or FIRST n/, bad);
  }
});

test('the value quotes every name and passes PostgreSQL\'s grammar, even for odd names', () => {
  const names = ['node0', 'Node "1"', 'db-2', 'first'];
  const v = syncStandbyNamesValue({ method: 'ANY', count: 2 }, names);
  assert.equal(v, 'ANY 2 ("node0", "Node ""1""", "db-2", "first")');
  assert.equal(syncStandbyNamesError(v), undefined);
  assert.equal(syncName('a"b'), '"a""b"');
  assert.equal(syncStandbyNamesValue({ method: 'off' }, names), '');
});

test('sync ANY 1: the standbys first, the primary last, each ALTER SYSTEM + reload; verified by sync_state', () => {
  const c = cluster('15', '4.3');
  const p = ok(buildSyncPlan({ cluster: c, status: status(c, HEALTHY) }, { method: 'ANY', count: 1 }));
  assert.equal(p.operation, 'sync-replication');
  assert.equal(p.node, 'db0');
  assert.deepEqual(p.steps.map((s) => s.id), ['sync-set-db1', 'sync-reload-db1', 'sync-set-db2', 'sync-reload-db2', 'sync-set-db0', 'sync-reload-db0']);
  assert.equal(commandText(p.steps[0]!.action), `ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 ("db0", "db1", "db2")'`);
  assert.ok(p.verify.some((v) => v.kind === 'sql-true' && /sync_state IN/.test(v.sql)));
  assert.ok(!p.destructive);
});

test('the application_name a standby streams under is the name used', () => {
  const c = cluster('15', '4.3');
  const s = status(c, HEALTHY);
  const renamed = { ...s, nodes: s.nodes.map((n) => (n.name === 'db1' ? { ...n, postgres: { ...n.postgres, applicationName: "db1's app" } } : n)) };
  const p = ok(buildSyncPlan({ cluster: c, status: renamed }, { method: 'FIRST', count: 1 }));
  assert.equal(commandText(p.steps[0]!.action), `ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 ("db0", "db1''s app", "db2")'`);
});

test('refused: more standbys than stream, more than exist, two primaries, no primary; ANY before PostgreSQL 10', () => {
  const c = cluster('15', '4.3');
  const oneDown = status(c, [{ role: 'primary' }, { role: 'standby' }, { role: 'standby', reachable: false }]);
  const r1 = buildSyncPlan({ cluster: c, status: oneDown }, { method: 'ANY', count: 2 });
  assert.ok(!r1.ok && /needs 2 streaming standbys but only 1 streams \(db1\)/.test(r1.reason), r1.ok ? '' : r1.reason);
  const r2 = buildSyncPlan({ cluster: c, status: status(c, HEALTHY) }, { method: 'FIRST', count: 3 });
  assert.ok(!r2.ok && /wait forever/.test(r2.reason));
  const r3 = buildSyncPlan({ cluster: c, status: status(c, [{ role: 'primary' }, { role: 'primary' }, { role: 'standby' }]) }, { method: 'ANY', count: 1 });
  assert.ok(!r3.ok && /fence/.test(r3.reason));
  const r4 = buildSyncPlan({ cluster: c, status: status(c, [{ role: 'primary', reachable: false }, { role: 'standby' }, { role: 'standby' }]) }, { method: 'ANY', count: 1 });
  assert.ok(!r4.ok && /No running primary/.test(r4.reason));
  const old = cluster('9.6', '4.3');
  const r5 = buildSyncPlan({ cluster: old, status: status(old, HEALTHY, '9.6') }, { method: 'ANY', count: 1 });
  assert.ok(!r5.ok && /PostgreSQL 10/.test(r5.reason));
  // A down standby is left as it is, and the plan says so.
  const p = ok(buildSyncPlan({ cluster: c, status: oneDown }, { method: 'ANY', count: 1 }));
  assert.ok(!p.steps.some((s) => s.id === 'sync-set-db2'));
  assert.ok(p.warnings.some((w) => /db2 does not answer/.test(w)));
  assert.ok(p.warnings.some((w) => /every commit on db0 waits/.test(w)), 'ANY 1 with one streaming standby warns that commits wait when it stops');
});

test('sync off empties the setting everywhere and does not wait for sync_state', () => {
  const c = cluster('15', '4.3');
  const p = ok(buildSyncPlan({ cluster: c, status: status(c, HEALTHY) }, { method: 'off' }));
  assert.equal(commandText(p.steps[0]!.action), "ALTER SYSTEM SET synchronous_standby_names = ''");
  assert.equal(p.verify.length, 1);
  assert.match(p.summary, /can be lost/);
});

test('setup-replication --sync appends the sync steps and counts the new standby as streaming', () => {
  const c = cluster('15', '4.3');
  const s = status(c, [{ role: 'primary' }, { role: 'standby' }, { role: 'standby', reachable: false }]);
  const base: PlanResult = { ok: true, plan: { operation: 'setup-replication', cluster: 'c1', node: 'db2', summary: 'Make db2 a standby.', steps: [], warnings: [], destructive: true, verify: [], versions: { postgres: '15', pgpool: '4.3' } } };
  const p = ok(withSyncSteps(base, { cluster: c, status: s }, { method: 'ANY', count: 2 }, ['db2']));
  assert.ok(p.steps.some((x) => x.id === 'sync-set-db2'), 'the new standby gets the line too');
  assert.equal(p.steps.at(-1)?.id, 'sync-reload-db0');
  assert.match(p.summary, /Then synchronous replication ANY 2/);
});
