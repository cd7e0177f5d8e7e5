/** A 3-node cluster definition and status for plan tests, at any PostgreSQL / pgpool version. */
import type { ClusterDefinition, NodeDefinition } from '../../../src/core/inventory/model';
import type { ClusterStatus, NodeStatus } from '../../../src/core/status/model';
import type { OpsInput } from '../../../src/core/ops/engine/input';
import { buildPlan } from '../../../src/core/ops/engine/operation';
import type { OperationKind, PlanResult } from '../../../src/core/ops/engine/plan';
import { buildSetupReplicationPlan, type SetupReplicationOptions } from '../../../src/core/ops/setup/setupReplication';

export const VERSION_NUM: Record<string, number> = { '9.6': 90624, '11': 110022, '12': 120020, '15': 150018, '16': 160006 };

export function cluster(pg: string, pgpool: string, overrides: Partial<NodeDefinition>[] = []): ClusterDefinition {
  return {
    name: 'c1', postgresVersion: pg, pgpoolVersion: pgpool, ssh: { user: 'postgres', port: 22 },
    database: { user: 'postgres', name: 'postgres', passfile: '/etc/pgc/pgpass' }, replication: { user: 'repl' },
    pgpool: [{ name: 'pgpool', host: '10.0.0.10', port: 9999, pcpPort: 9898, pcpUser: 'pcpadmin', pcpPassFile: '/etc/pgc/pcppass', binDir: '/usr/sbin', ssh: {} }],
    nodes: [0, 1, 2].map((id) => ({
      name: `db${id}`, id, host: `10.0.0.${11 + id}`, port: 5432, dataDirectory: `/data/db${id}`, binDir: `/usr/pgsql/bin`, ssh: {},
      ...overrides[id],
    })),
  };
}

export interface NodeShape {
  role: 'primary' | 'standby';
  reachable?: boolean;
  pgpool?: 'up' | 'down';
  lsn?: string;
  streaming?: boolean;
}

export function status(c: ClusterDefinition, shapes: NodeShape[], pg = '15'): ClusterStatus {
  const nodes: NodeStatus[] = c.nodes.map((n, i) => {
    const s = shapes[i] ?? { role: 'standby' };
    const reachable = s.reachable ?? true;
    return {
      name: n.name, id: n.id, host: n.host, port: n.port, role: s.role, status: s.pgpool ?? 'up', detached: false, problems: [],
      pgpool: { id: n.id, host: n.host, port: n.port, status: s.pgpool ?? 'up', role: s.role },
      postgres: reachable
        ? {
          reachable: true, role: s.role, serverVersionNum: VERSION_NUM[pg] ?? 150000,
          ...(s.role === 'primary' ? { currentLsn: s.lsn ?? '0/5000000' } : { receiveLsn: s.lsn ?? '0/5000000', replayLsn: s.lsn ?? '0/5000000', walReceiverStatus: s.streaming === false ? 'stopped' : 'streaming' }),
        }
        : { reachable: false, error: 'connection refused' },
    };
  });
  return {
    name: c.name, pgpool: { name: 'pgpool', host: '10.0.0.10', port: 9999, reachable: true, version: '4.3.5' }, pgpoolInstances: [],
    nodes, problems: [], health: 'healthy', refreshedAt: new Date(0).toISOString(), elapsedMs: 1,
  };
}

export const HEALTHY: NodeShape[] = [{ role: 'primary' }, { role: 'standby' }, { role: 'standby' }];

/** The node named `name` (what the argument guards resolve before anything reaches the ops layer). */
export function nodeNamed(c: ClusterDefinition, name: string): NodeDefinition {
  const n = c.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`fixture cluster ${c.name} has no node ${name}`);
  return n;
}

/** buildPlan for the node named `name` of `input.cluster`. */
export function planFor(kind: OperationKind, input: OpsInput, name: string): PlanResult {
  return buildPlan(kind, input, nodeNamed(input.cluster, name));
}

/** buildSetupReplicationPlan for the node named `name` of `input.cluster`. */
export function setupPlanFor(input: OpsInput, name: string, o?: SetupReplicationOptions): PlanResult {
  return buildSetupReplicationPlan(input, nodeNamed(input.cluster, name), o);
}
