import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterDefinition } from '../../../src/core/inventory/model';
import { clusterConnections, connectionApprovalKey } from '../../../src/extension/tree/clusterHosts';

const cluster: ClusterDefinition = {
  name: 'prod', ssh: { user: 'postgres' }, database: {}, replication: {},
  pgpool: [{ name: 'pgpool', host: '10.0.0.10', port: 9999, pcpPort: 9898, ssh: {} }],
  nodes: [
    { name: 'node0', id: 0, host: '10.0.0.11', port: 5432, ssh: {} },
    { name: 'node1', id: 1, host: '10.0.0.12', port: 5433, ssh: { user: 'admin', port: 2222, proxyJump: 'bastion' } },
  ],
};

test('the confirmation lists every host with its SSH user, port and jump host', () => {
  assert.deepEqual(clusterConnections(cluster), [
    'pgpool pgpool: 10.0.0.10:9999, pcp 9898, SSH postgres@10.0.0.10',
    'node0: PostgreSQL 10.0.0.11:5432, SSH postgres@10.0.0.11',
    'node1: PostgreSQL 10.0.0.12:5433, SSH admin@10.0.0.12:2222 via bastion',
  ]);
});

test('the approval is per file and host list: another file or a changed host asks again', () => {
  const key = connectionApprovalKey('/w/pgpool-cluster.yaml', 'prod', clusterConnections(cluster));
  assert.equal(key, connectionApprovalKey('/w/pgpool-cluster.yaml', 'prod', clusterConnections(structuredClone(cluster))));
  assert.notEqual(key, connectionApprovalKey('/other/pgpool-cluster.yaml', 'prod', clusterConnections(cluster)));
  const moved = { ...cluster, nodes: [cluster.nodes[0]!, { ...cluster.nodes[1]!, host: '203.0.113.5' }] };
  assert.notEqual(key, connectionApprovalKey('/w/pgpool-cluster.yaml', 'prod', clusterConnections(moved)));
});
