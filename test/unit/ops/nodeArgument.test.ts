/**
 * A node is resolved once, by the argument guard (the CLI's nodeArgument here, the editor's nodeArgument.ts), and
 * the ops layer works on that object: preparePlan carries it into the cluster discovery completed, buildPlan refuses
 * a node of another definition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeArgument } from '../../../src/cli/setupCommon';
import { CliError } from '../../../src/cli/errors';
import type { OpsEnvironment } from '../../../src/core/ops/engine/environment';
import { buildPlan, preparePlan } from '../../../src/core/ops/engine/operation';
import { commandText } from '../../../src/core/ops/engine/plan';
import type { ExecResult } from '../../../src/core/remote/types';
import { cluster, nodeNamed, status } from './fixtures';

test('CLI guard: a node by name or pgpool id; an unknown one is a usage error that names the nodes', () => {
  const c = cluster('15', '4.3');
  assert.equal(nodeArgument(c, 'db1'), c.nodes[1]);
  assert.equal(nodeArgument(c, '2'), c.nodes[2]);
  assert.throws(() => nodeArgument(c, 'db9'), (e: unknown) => e instanceof CliError && e.exitCode === 2
    && e.message === 'Cluster c1 has no node "db9" (nodes: db0, db1, db2).');
});

test('buildPlan refuses a node object that is not one of the definition it was given', () => {
  const c = cluster('15', '4.3');
  const other = cluster('15', '4.3');
  const down = status(c, [{ role: 'primary' }, { role: 'standby', reachable: false, pgpool: 'down' }, { role: 'standby' }]);
  assert.equal(buildPlan('recover', { cluster: c, status: down, options: { method: 'basebackup' } }, nodeNamed(c, 'db1')).ok, true);
  const r = buildPlan('recover', { cluster: c, status: down, options: { method: 'basebackup' } }, nodeNamed(other, 'db1'));
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.reason, /db1 is not a node of the cluster definition the plan was given/);
});

test('preparePlan builds on the node it is given, as discovery completed it (data directory from the host)', async () => {
  const base = cluster('15', '4.3');
  const c = { ...base, nodes: base.nodes.map((n, i) => (i === 1 ? (({ dataDirectory: _d, ...rest }) => rest)(n) : n)) };
  const refused: ExecResult = { code: 1, signal: null, stdout: '', stderr: '' };
  const env: OpsEnvironment = {
    nodes: c.nodes.map((n) => n.name),
    remote: (host) => ({ label: host, exec: async () => refused, readFile: async () => { throw new Error('no file'); }, writeFile: async () => undefined }),
    sql: () => { throw new Error('not used'); },
    pcp: async () => '',
    pgpoolNode: async () => { throw new Error('not used'); },
    discover: async () => ({ nodes: new Map([['db1', { dataDirectory: '/srv/db1' }]]), pgpool: new Map(), notes: ['db1: data directory /srv/db1'], missing: [] }),
    close: async () => undefined,
  };
  const down = status(c, [{ role: 'primary' }, { role: 'standby', reachable: false, pgpool: 'down' }, { role: 'standby' }]);
  const built = await preparePlan('recover', c, down, env, nodeNamed(c, 'db1'), { method: 'basebackup' });
  assert.ok(built.ok, built.ok ? '' : built.reason);
  const copy = built.plan.steps.find((s) => s.id === 'basebackup-db1');
  assert.ok(copy);
  assert.match(commandText(copy.action), / -D \/srv\/db1 /);
  assert.deepEqual(built.plan.discovered, ['db1: data directory /srv/db1']);
});
