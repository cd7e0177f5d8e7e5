// Split brain and false primary offer Fence on their own line in the status panel: the nodes pgpool does not
// write to, never the one it does, and only where the node rule offers Fence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeClusterStatus, type NodeProbe } from '../../../src/core/status/merge';
import type { PgpoolNodeView } from '../../../src/core/db/poolNodes';
import type { PgNodeView } from '../../../src/core/db/nodeQueries';
import { applicableOperations, fenceTargets } from '../../../src/shared/nodeOperations';
import { node } from './fixtures';

const pv = (status: 'up' | 'down', role: 'primary' | 'standby') => ({ id: 0, host: '127.0.0.11', port: 5432, status, role });
const pgpoolPrimary = pv('up', 'primary');
const pgpoolStandby = pv('up', 'standby');

test('split brain: Fence every writable node but the one pgpool sends writes to', () => {
  const nodes = [
    node({ name: 'node0', role: 'primary', status: 'up', pgpool: pgpoolPrimary, problems: ['split-brain'] }),
    node({ name: 'node1', id: 1, role: 'primary', status: 'up', pgpool: pgpoolStandby, problems: ['split-brain', 'false-primary'] }),
    node({ name: 'node2', id: 2, role: 'standby', status: 'up', pgpool: pgpoolStandby }),
  ];
  assert.deepEqual(fenceTargets({ code: 'split-brain', nodes: ['node0', 'node1'] }, nodes), ['node1']);
  assert.deepEqual(fenceTargets({ code: 'false-primary', nodes: ['node1'] }, nodes), ['node1']);
  // The node rule offers Fence on both rows; the problem keeps pgpool's write target.
  assert.ok(applicableOperations(nodes[0]!).includes('fence'));
});

test('split brain with no node pgpool writes to: every writable node is offered, the user keeps one', () => {
  const nodes = [
    node({ name: 'node0', role: 'primary', status: 'down', pgpool: pv('down', 'standby'), problems: ['split-brain'] }),
    node({ name: 'node1', id: 1, role: 'primary', status: 'up', pgpool: pgpoolStandby, problems: ['split-brain'] }),
  ];
  assert.deepEqual(fenceTargets({ code: 'split-brain', nodes: ['node0', 'node1'] }, nodes), ['node0', 'node1']);
});

test('other problems, and nodes the rule does not offer Fence to, get no button', () => {
  const nodes = [
    node({ name: 'node0', role: 'primary', status: 'up', pgpool: pgpoolPrimary }),
    node({ name: 'node1', id: 1, role: 'standby', status: 'down', postgres: { reachable: false }, pgpool: pv('down', 'standby'), problems: ['node-unreachable'] }),
  ];
  assert.deepEqual(fenceTargets({ code: 'node-unreachable', nodes: ['node1'] }, nodes), []);
  assert.deepEqual(fenceTargets({ code: 'false-primary', nodes: ['node1'] }, nodes), [], 'a standby that is down is no false primary to fence');
  assert.deepEqual(fenceTargets({ code: 'split-brain', nodes: ['ghost'] }, nodes), []);
});

test('from a merged status: the false primary the merge reports is the one offered', () => {
  const cluster = {
    name: 'lab', ssh: {}, database: {}, replication: {},
    pgpool: [{ name: 'pgpool', host: '127.0.0.10', port: 9999, pcpPort: 9898, ssh: {} }],
    nodes: [0, 1].map((id) => ({ name: `node${id}`, id, host: `127.0.0.1${id + 1}`, port: 5432, ssh: {} })),
  };
  const poolNode = (id: number, role: 'primary' | 'standby'): PgpoolNodeView => ({ id, host: `127.0.0.1${id + 1}`, port: 5432, status: 'up', role });
  const primaryView: PgNodeView = { inRecovery: false, serverVersionNum: 150000, timeline: 2, currentLsn: '0/5000000', replication: [] };
  const status = mergeClusterStatus({
    cluster,
    pgpool: [{ name: 'pgpool', host: '127.0.0.10', port: 9999, reachable: true, version: '4.3.5', nodes: [poolNode(0, 'primary'), poolNode(1, 'standby')] }],
    nodes: new Map<number, NodeProbe>([[0, { ok: true, view: primaryView, elapsedMs: 1 }], [1, { ok: true, view: { ...primaryView, timeline: 1 }, elapsedMs: 1 }]]),
    now: new Date(), elapsedMs: 2,
  });
  const problem = status.problems.find((p) => p.code === 'false-primary' || p.code === 'split-brain');
  assert.ok(problem, `problems: ${status.problems.map((p) => p.code).join(', ')}`);
  assert.deepEqual(fenceTargets(problem, status.nodes), ['node1']);
});
