/** setup-replication's pg_hba line and replication user: host names, IPv6, hostile names, errors read before any restart. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Plan, PlanResult } from '../../../src/core/ops/engine/plan';
import { HBA_ERRORS_SQL, replicationHbaLine, replicationUserProblem } from '../../../src/core/ops/setup/setupReplication';
import { cluster, HEALTHY, status, setupPlanFor } from './fixtures';

const ok = (r: PlanResult): Plan => { assert.ok(r.ok, r.ok ? '' : r.reason); return r.plan; };

test('pg_hba line: /32 for IPv4, /128 for IPv6, a host name stays a name', () => {
  assert.equal(replicationHbaLine('repl', '10.0.0.12'), 'host    replication     repl     10.0.0.12/32     scram-sha-256');
  assert.equal(replicationHbaLine('repl', 'fd00::12'), 'host    replication     repl     fd00::12/128     scram-sha-256');
  assert.equal(replicationHbaLine('repl', 'db2.example.com'), 'host    replication     repl     db2.example.com     scram-sha-256');
});

test('the replication user is validated: pg_hba keywords, quoting and shell characters are refused with advice', () => {
  for (const bad of ['all', 'Replication', 'sameuser', 'a b', "x'y", '+grp', '@file', '1abc', 'a,b', 'a"b', '$(id)', '', 'x'.repeat(64)]) {
    const problem = replicationUserProblem(bad);
    assert.ok(problem, bad);
    assert.match(problem, /replication\.user/, bad);
    const c = { ...cluster('15', '4.3'), replication: { user: bad } };
    const r = setupPlanFor({ cluster: c, status: status(c, HEALTHY) }, 'db2');
    assert.equal(r.ok, false, bad);
  }
  for (const good of ['replicator', 'repl_1', '_r', 'R2']) assert.equal(replicationUserProblem(good), undefined, good);
});

test('pg_hba.conf is read for errors after the edit and before any reload or restart (PostgreSQL 10+)', () => {
  for (const pg of ['11', '15']) {
    const c = cluster(pg, '4.3', [{}, {}, { host: 'db2.example.com' }]);
    const p = ok(setupPlanFor({ cluster: c, status: status(c, HEALTHY, pg) }, 'db2'));
    const ids = p.steps.map((s) => s.id);
    const at = (id: string): number => ids.indexOf(id);
    assert.ok(at('hba-db0') >= 0 && at('hba-db0') < at('hba-valid-db0') && at('hba-valid-db0') < at('reload-db0') && at('reload-db0') < at('restart-db0'), ids.join(' '));
    const valid = p.steps[at('hba-valid-db0')]!;
    assert.deepEqual(valid.action, { kind: 'sql', node: 'db0', sql: HBA_ERRORS_SQL });
    const hba = p.steps[at('hba-db0')]!;
    assert.ok(hba.action.kind === 'ssh' && hba.action.argv.includes('host    replication     repl     db2.example.com     scram-sha-256'));
    // A host name is compared as text: never cast to inet (which would fail the check).
    assert.ok(hba.skipIf?.kind === 'sql-true' && /lower\(address\) = lower\(\$2\)/.test(hba.skipIf.sql) && !/\$2::inet/.test(hba.skipIf.sql));
  }
  const c96 = cluster('9.6', '4.3');
  assert.ok(!ok(setupPlanFor({ cluster: c96, status: status(c96, HEALTHY, '9.6') }, 'db2')).steps.some((s) => s.id.startsWith('hba-valid')), 'no pg_hba_file_rules before 10');
  const ip = cluster('15', '4.3');
  const hbaIp = ok(setupPlanFor({ cluster: ip, status: status(ip, HEALTHY) }, 'db2')).steps.find((s) => s.id === 'hba-db0')!;
  assert.ok(hbaIp.skipIf?.kind === 'sql-true' && /\$2::inet/.test(hbaIp.skipIf.sql));
});
