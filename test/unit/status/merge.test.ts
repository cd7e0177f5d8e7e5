import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeClusterStatus, type NodeProbe } from '../../../src/core/status/merge';
import type { PgpoolNodeView } from '../../../src/core/db/poolNodes';
import type { PgNodeView } from '../../../src/core/db/nodeQueries';
import type { ClusterDefinition } from '../../../src/core/inventory/model';

const cluster: ClusterDefinition = {
  name: 'c', ssh: {}, database: {}, replication: {},
  pgpool: [{ name: 'pgpool', host: '127.0.0.10', port: 9999, pcpPort: 9898, ssh: {} }],
  nodes: [0, 1, 2].map((id) => ({ name: `node${id}`, id, host: `127.0.0.1${id + 1}`, port: 5432, ssh: {} })),
};

const primary = (lsn = '0/5000000', tli = 1): PgNodeView => ({
  serverVersionNum: 150018, inRecovery: false, timeline: tli, currentLsn: lsn,
  replication: [
    { applicationName: 'node1', clientAddr: '127.0.0.1', state: 'streaming', syncState: 'async', replayLsn: '0/4FFF000', replayLagSeconds: 0.25 },
    { applicationName: 'node2', clientAddr: '127.0.0.1', state: 'streaming', syncState: 'sync' },
  ],
});
const standby = (name: string, replay = '0/4FFF000', status = 'streaming', tli = 1): PgNodeView => ({
  serverVersionNum: 150018, inRecovery: true, timeline: tli, receiveLsn: replay, replayLsn: replay,
  walReceiver: { status, receivedTimeline: tli, senderHost: '127.0.0.11', senderPort: 5432, applicationName: name }, replication: [],
});
const pool = (id: number, role: 'primary' | 'standby', status: PgpoolNodeView['status'] = 'up'): PgpoolNodeView =>
  ({ id, host: `127.0.0.1${id + 1}`, port: 5432, status, role });
const ok = (view: PgNodeView): NodeProbe => ({ ok: true, view });

function merge(pgpoolNodes: PgpoolNodeView[] | undefined, probes: [number, NodeProbe][]) {
  return mergeClusterStatus({
    cluster,
    pgpool: [pgpoolNodes ? { name: 'pgpool', host: '127.0.0.10', port: 9999, reachable: true, version: '4.3.5', nodes: pgpoolNodes }
      : { name: 'pgpool', host: '127.0.0.10', port: 9999, reachable: false, error: 'connection refused' }],
    nodes: new Map(probes), now: new Date('2026-01-01T00:00:00Z'),
  });
}

const healthyPool = [pool(0, 'primary'), pool(1, 'standby'), pool(2, 'standby', 'waiting')];
const healthyProbes = (): [number, NodeProbe][] => [[0, ok(primary())], [1, ok(standby('node1'))], [2, ok(standby('node2', '0/5000000'))]];

test('a healthy cluster: roles, statuses, lag in bytes and seconds, no problems', () => {
  const s = merge(healthyPool, healthyProbes());
  assert.equal(s.health, 'healthy');
  assert.deepEqual(s.problems, []);
  assert.deepEqual(s.nodes.map((n) => [n.name, n.role, n.status]), [['node0', 'primary', 'up'], ['node1', 'standby', 'up'], ['node2', 'standby', 'waiting']]);
  assert.deepEqual(s.nodes[1]!.lag, { bytes: 0x1000, seconds: 0.25, state: 'streaming', syncState: 'async' });
  assert.deepEqual(s.nodes[2]!.lag, { bytes: 0, seconds: 0, state: 'streaming', syncState: 'sync' }, 'idle and caught up: 0 s');
  assert.equal(s.pgpool.version, '4.3.5');
  assert.equal(s.refreshedAt, '2026-01-01T00:00:00.000Z');
});

test('false primary: pgpool says standby but the node is out of recovery (and split brain)', () => {
  const probes = healthyProbes();
  probes[2] = [2, ok(primary('0/6000000'))];
  const s = merge(healthyPool, probes);
  const codes = s.problems.map((p) => p.code).sort();
  assert.deepEqual(codes, ['false-primary', 'split-brain']);
  assert.deepEqual(s.nodes[2]!.problems, ['false-primary', 'split-brain']);
  assert.equal(s.nodes[2]!.role, 'primary', 'PostgreSQL\'s own answer is the role');
  assert.deepEqual(s.problems.find((p) => p.code === 'split-brain')!.nodes, ['node0', 'node2']);
  assert.equal(s.health, 'degraded');
  assert.equal(s.nodes[1]!.lag?.bytes, undefined, 'no lag against an ambiguous primary');
});

test('pgpool says primary but the node is in recovery: role mismatch, and no primary', () => {
  const s = merge(healthyPool, [[0, ok(standby('node0'))], [1, ok(standby('node1'))], [2, ok(standby('node2'))]]);
  assert.deepEqual(s.problems.map((p) => p.code).sort(), ['no-primary', 'role-mismatch']);
});

test('unreachable node: status unreachable, role from pgpool, error kept, others unaffected', () => {
  const probes = healthyProbes();
  probes[1] = [1, { ok: false, error: 'no answer within 3000 ms' }];
  const s = merge(healthyPool, probes);
  const n = s.nodes[1]!;
  assert.deepEqual([n.status, n.role, n.postgres.reachable, n.postgres.error], ['unreachable', 'standby', false, 'no answer within 3000 ms']);
  assert.deepEqual(s.problems.map((p) => p.code), ['node-unreachable']);
  assert.equal(s.health, 'degraded');
  assert.equal(s.nodes[2]!.status, 'waiting');
});

test('pgpool down but PostgreSQL answers = detached; pgpool down and PostgreSQL silent = down', () => {
  const s = merge([pool(0, 'primary'), pool(1, 'standby', 'down'), pool(2, 'standby', 'quarantine')],
    [[0, ok(primary())], [1, ok(standby('node1'))], [2, { ok: false, error: 'refused' }]]);
  assert.deepEqual([s.nodes[1]!.status, s.nodes[1]!.detached], ['down', true]);
  assert.deepEqual([s.nodes[2]!.status, s.nodes[2]!.detached], ['quarantine', false]);
  assert.deepEqual(s.problems.map((p) => p.code).sort(), ['detached', 'node-unreachable']);
});

test('standby not streaming and on another timeline', () => {
  const probes = healthyProbes();
  probes[1] = [1, ok(standby('node1', '0/4000000', 'waiting', 1))];
  probes[0] = [0, ok(primary('0/5000000', 2))];
  const s = merge(healthyPool, probes);
  assert.deepEqual(s.nodes[1]!.problems, ['not-streaming', 'timeline-mismatch']);
  const noReceiver: PgNodeView = { ...standby('node2'), walReceiver: undefined } as unknown as PgNodeView;
  const s2 = merge(healthyPool, [[0, ok(primary())], [1, ok(standby('node1'))], [2, ok(noReceiver)]]);
  assert.match(s2.problems[0]!.message, /not running/);
});

test('pgpool unreachable: cluster unreachable; nodes still reported from PostgreSQL', () => {
  const s = merge(undefined, healthyProbes());
  assert.equal(s.health, 'unreachable');
  assert.equal(s.pgpool.reachable, false);
  assert.deepEqual(s.problems.map((p) => p.code), ['pgpool-unreachable']);
  assert.deepEqual(s.nodes.map((n) => n.role), ['primary', 'standby', 'standby']);
  assert.equal(s.nodes[0]!.pgpool, undefined);
});

test('every node unreachable: unreachable; backends pgpool knows but the file does not: warning', () => {
  const s = merge([...healthyPool, pool(7, 'standby')], [[0, { ok: false, error: 'x' }], [1, { ok: false, error: 'x' }]]);
  assert.equal(s.health, 'unreachable');
  assert.equal(s.nodes[2]!.postgres.error, 'not queried');
  assert.ok(s.problems.some((p) => p.code === 'unknown-backend'));
});

test('a node pgpool does not list is flagged', () => {
  const s = merge([pool(0, 'primary'), pool(1, 'standby')], healthyProbes());
  assert.deepEqual(s.nodes[2]!.problems, ['not-in-pgpool']);
});

test('a detached false primary is told to stop and recover, not to attach; two primaries are "both"', () => {
  // node0 failed over to node1; node0 came back as a primary and pgpool keeps it down.
  const pools = [pool(0, 'standby', 'down'), pool(1, 'primary'), pool(2, 'standby')];
  const s = merge(pools, [[0, ok(primary('0/6000000'))], [1, ok(primary('0/7000000', 2))], [2, ok(standby('node2'))]]);
  const detached = s.problems.find((p) => p.code === 'detached');
  assert.ok(detached);
  assert.match(detached.message, /while node1 is the primary: do not attach it\. Fence it, then Recover it as a standby\./);
  assert.doesNotMatch(detached.message, /attach it \(/);
  assert.ok(s.nodes[0]!.problems.includes('false-primary'));
  assert.equal(s.nodes[0]!.problems.filter((c) => c === 'false-primary').length, 1, 'flagged once');
  assert.match(s.problems.find((p) => p.code === 'split-brain')!.message, /node0 and node1 both accept writes .*pgpool sends writes to node1, so keep it: Fence node0/);
});

test('a detached node that is the only primary is still told to attach', () => {
  const pools = [pool(0, 'primary', 'down'), pool(1, 'standby'), pool(2, 'standby')];
  const s = merge(pools, [[0, ok(primary())], [1, ok(standby('node1'))], [2, ok(standby('node2'))]]);
  assert.match(s.problems.find((p) => p.code === 'detached')!.message, /attach it \(pcp_attach_node -n 0\)/);
  assert.ok(!s.nodes[0]!.problems.includes('false-primary'));
});
