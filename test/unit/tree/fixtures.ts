// Node and cluster statuses shaped like the lab's, for the tree and panel presentation tests.
import type { NodeDefinition } from '../../../src/core/inventory/model';
import type { ClusterStatus, NodeStatus } from '../../../src/core/status/model';

export const def = (name: string, id: number, host: string): NodeDefinition => ({ name, id, host, port: 5432, ssh: {} });

export function node(over: Partial<NodeStatus> & Pick<NodeStatus, 'name' | 'role' | 'status'>): NodeStatus {
  return { id: 0, host: '127.0.0.11', port: 5432, detached: false, postgres: { reachable: true }, problems: [], ...over };
}

export const primary = node({ name: 'node0', role: 'primary', status: 'up', postgres: { reachable: true, role: 'primary', timeline: 1, currentLsn: '0/4000160' } });
export const standby = node({
  name: 'node1', id: 1, host: '127.0.0.12', role: 'standby', status: 'up',
  postgres: { reachable: true, role: 'standby', replayLsn: '0/4000160', walReceiverStatus: 'streaming' },
  lag: { bytes: 2048, seconds: 0.5, state: 'streaming', syncState: 'async' },
});

export function cluster(nodes: NodeStatus[], over: Partial<ClusterStatus> = {}): ClusterStatus {
  const pgpool = { name: 'pgpool', host: '127.0.0.10', port: 9999, reachable: true, version: '4.3.5' };
  return { name: 'lab', pgpool, pgpoolInstances: [pgpool], nodes, problems: [], health: 'healthy', refreshedAt: '2026-11-25T22:00:00.000Z', elapsedMs: 12, ...over };
}
