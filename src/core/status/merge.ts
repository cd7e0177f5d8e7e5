/** Pure merge rules: definitions + pgpool's view + each node's own view -> ClusterStatus. */
import type { PgpoolNodeView } from '../db/poolNodes';
import type { PgNodeView, ReplicationPeer } from '../db/nodeQueries';
import { lsnDiff } from '../db/lsn';
import type { ClusterDefinition, NodeDefinition } from '../inventory/model';
import { falsePrimaryMessage, splitBrainMessage } from './faultProblems';
import type {
  ClusterHealth, ClusterStatus, NodeRole, NodeState, NodeStatus, PgpoolStatus, PostgresView, Problem, ProblemCode, ReplicationLag,
} from './model';

export type NodeProbe =
  | { readonly ok: true; readonly view: PgNodeView; readonly elapsedMs?: number }
  | { readonly ok: false; readonly error: string; readonly elapsedMs?: number };

export interface MergeInput {
  readonly cluster: ClusterDefinition;
  readonly pgpool: readonly (PgpoolStatus & { readonly nodes?: readonly PgpoolNodeView[] })[];
  /** By node id. A node absent from the map counts as unreachable. */
  readonly nodes: ReadonlyMap<number, NodeProbe>;
  readonly now: Date;
  readonly elapsedMs?: number;
}

export function mergeClusterStatus(input: MergeInput): ClusterStatus {
  const problems: Problem[] = [];
  const add = (code: ProblemCode, severity: Problem['severity'], nodes: string[], message: string): void => {
    problems.push({ code, severity, nodes, message });
  };
  const used = input.pgpool.find((p) => p.reachable && p.nodes) ?? input.pgpool[0];
  const pgpoolNodes = used?.reachable ? used.nodes ?? [] : undefined;
  for (const p of input.pgpool) {
    if (!p.reachable) add('pgpool-unreachable', 'error', [], `pgpool ${p.name} (${p.host}:${p.port}) is unreachable: ${p.error ?? 'no answer'}.`);
  }

  const probes = input.cluster.nodes.map((def) => ({ def, probe: input.nodes.get(def.id), pool: pgpoolNodes?.find((v) => v.id === def.id) }));
  const primaries = probes.filter((p) => p.probe?.ok && !p.probe.view.inRecovery);
  const primary = primaries.length === 1 ? primaries[0] : undefined;
  const primaryView = primary?.probe?.ok ? primary.probe.view : undefined;
  const routedTo = input.cluster.nodes.find((d) => pgpoolNodes?.some((v) => v.id === d.id && v.role === 'primary' && (v.status === 'up' || v.status === 'waiting')))?.name;

  const nodeProblems = new Map<string, ProblemCode[]>();
  const flag = (node: string, code: ProblemCode): void => {
    nodeProblems.set(node, [...(nodeProblems.get(node) ?? []), code]);
  };

  const nodes: NodeStatus[] = probes.map(({ def, probe, pool }) => {
    const postgres = postgresView(probe);
    const pgRole = postgres.role;
    const role: NodeRole = pgRole ?? pool?.role ?? 'unknown';
    const pgpoolDown = pool?.status === 'down' || pool?.status === 'quarantine';
    const status: NodeState = pgpoolDown ? (pool.status as NodeState)
      : !postgres.reachable ? 'unreachable'
        : pool?.status === 'waiting' ? 'waiting' : 'up';
    const detached = pgpoolDown && postgres.reachable;

    if (!postgres.reachable) {
      flag(def.name, 'node-unreachable');
      add('node-unreachable', 'error', [def.name], `${def.name} (${def.host}:${def.port}) does not answer: ${postgres.error ?? 'no answer'}.`);
    }
    if (pool && postgres.reachable) {
      if (pool.role === 'standby' && pgRole === 'primary') {
        flag(def.name, 'false-primary');
        add('false-primary', 'error', [def.name], falsePrimaryMessage(def.name, routedTo));
      } else if (pool.role === 'primary' && pgRole === 'standby') {
        flag(def.name, 'role-mismatch');
        add('role-mismatch', 'error', [def.name], `pgpool treats ${def.name} as the primary, but it is in recovery (a standby): writes through pgpool will fail.`);
      }
      if (detached) {
        flag(def.name, 'detached');
        // A detached node that answers as a primary while another node is the primary is a false primary: attaching
        // it would send writes to two primaries. Its way back is stop (fence), then recover as a standby.
        const otherPrimary = pgRole === 'primary'
          ? primaries.find((p) => p.def.id !== def.id)?.def.name ?? input.cluster.nodes.find((d) => d.id !== def.id && pgpoolNodes?.some((v) => v.id === d.id && v.role === 'primary' && v.status !== 'down'))?.name
          : undefined;
        if (otherPrimary !== undefined) {
          if (!nodeProblems.get(def.name)?.includes('false-primary')) flag(def.name, 'false-primary');
          add('detached', 'warning', [def.name], `pgpool has ${def.name} ${pool.status}, and it answers as a primary while ${otherPrimary} is the primary: do not attach it. Fence it, then Recover it as a standby.`);
        } else {
          add('detached', 'warning', [def.name], `pgpool has ${def.name} ${pool.status}, but PostgreSQL answers; once it is a healthy ${pgRole ?? 'node'}, attach it (pcp_attach_node -n ${def.id}).`);
        }
      }
    }
    if (pgpoolNodes && !pool) {
      flag(def.name, 'not-in-pgpool');
      add('not-in-pgpool', 'warning', [def.name], `pgpool has no backend ${def.id} (${def.name}); check backend_hostname${def.id} in pgpool.conf.`);
    }
    let lag: ReplicationLag | undefined;
    if (probe?.ok && probe.view.inRecovery) {
      const wr = probe.view.walReceiver;
      if (!wr || wr.status !== 'streaming') {
        flag(def.name, 'not-streaming');
        add('not-streaming', 'warning', [def.name], `Standby ${def.name} is not streaming from a primary (WAL receiver ${wr ? `status ${wr.status}` : 'not running'}); check primary_conninfo and the primary's logs.`);
      }
      lag = standbyLag(def, probe.view, primaryView, primary?.def);
      if (primaryView?.timeline !== undefined && probe.view.timeline !== undefined && probe.view.timeline !== primaryView.timeline) {
        flag(def.name, 'timeline-mismatch');
        add('timeline-mismatch', 'warning', [def.name], `Standby ${def.name} is on timeline ${probe.view.timeline}, the primary on ${primaryView.timeline}; it may need pg_rewind or a new base backup.`);
      }
    }
    return {
      name: def.name, id: def.id, host: def.host, port: def.port, role, status, detached,
      ...(pool ? { pgpool: pool } : {}), postgres, ...(lag ? { lag } : {}), problems: [],
    };
  });

  if (primaries.length > 1) {
    const names = primaries.map((p) => p.def.name);
    for (const n of names) flag(n, 'split-brain');
    add('split-brain', 'error', names, splitBrainMessage(names, routedTo));
  } else if (primaries.length === 0 && probes.some((p) => p.probe?.ok)) {
    add('no-primary', 'error', [], 'No reachable node is a primary (all are in recovery): writes cannot succeed. Promote a standby.');
  }
  for (const v of pgpoolNodes ?? []) {
    if (!input.cluster.nodes.some((d) => d.id === v.id)) {
      add('unknown-backend', 'warning', [], `pgpool has backend ${v.id} (${v.host}:${v.port}) which the cluster file does not list; add it to nodes.`);
    }
  }

  const finalNodes = nodes.map((n) => ({ ...n, problems: nodeProblems.get(n.name) ?? [] }));
  const pgpoolInstances: PgpoolStatus[] = input.pgpool.map(({ nodes: _n, ...rest }) => rest);
  const fallback: PgpoolStatus = { name: 'pgpool', host: '', port: 0, reachable: false, error: 'no pgpool instance is defined' };
  const usedStatus = pgpoolInstances.find((p) => p.name === used?.name) ?? fallback;
  return {
    name: input.cluster.name,
    pgpool: usedStatus,
    pgpoolInstances,
    nodes: finalNodes,
    problems,
    health: health(pgpoolInstances, finalNodes, problems),
    refreshedAt: input.now.toISOString(),
    elapsedMs: input.elapsedMs ?? 0,
  };
}

/** unreachable: no pgpool answers or no node answers; degraded: any problem; else healthy. */
export function health(pgpool: readonly PgpoolStatus[], nodes: readonly NodeStatus[], problems: readonly Problem[]): ClusterHealth {
  const pgpoolOk = pgpool.length === 0 || pgpool.some((p) => p.reachable);
  if (!pgpoolOk || !nodes.some((n) => n.postgres.reachable)) return 'unreachable';
  return problems.length > 0 ? 'degraded' : 'healthy';
}

function postgresView(probe: NodeProbe | undefined): PostgresView {
  if (!probe) return { reachable: false, error: 'not queried' };
  const elapsed = probe.elapsedMs !== undefined ? { elapsedMs: probe.elapsedMs } : {};
  if (!probe.ok) return { reachable: false, error: probe.error, ...elapsed };
  const v = probe.view;
  const upstream = v.walReceiver?.senderHost ? `${v.walReceiver.senderHost}:${v.walReceiver.senderPort ?? 5432}` : undefined;
  return {
    reachable: true,
    role: v.inRecovery ? 'standby' : 'primary',
    serverVersionNum: v.serverVersionNum,
    ...(v.timeline !== undefined ? { timeline: v.timeline } : {}),
    ...(v.currentLsn ? { currentLsn: v.currentLsn } : {}),
    ...(v.receiveLsn ? { receiveLsn: v.receiveLsn } : {}),
    ...(v.replayLsn ? { replayLsn: v.replayLsn } : {}),
    ...(v.walReceiver ? { walReceiverStatus: v.walReceiver.status } : {}),
    ...(upstream ? { upstream } : {}),
    ...(v.walReceiver?.applicationName ? { applicationName: v.walReceiver.applicationName } : {}),
    ...(v.syncStandbyNames !== undefined ? { syncStandbyNames: v.syncStandbyNames } : {}),
    ...elapsed,
  };
}

/** Finds the primary's pg_stat_replication row for a standby: by application_name, then by address. */
export function matchReplicationPeer(def: NodeDefinition, standby: PgNodeView, rows: readonly ReplicationPeer[]): ReplicationPeer | undefined {
  const app = standby.walReceiver?.applicationName;
  const byName = rows.filter((r) => r.applicationName === app || r.applicationName === def.name);
  if (byName.length === 1) return byName[0];
  const pool = byName.length > 1 ? byName : rows;
  const byAddr = pool.filter((r) => r.clientAddr === def.host);
  return byAddr.length === 1 ? byAddr[0] : undefined;
}

function standbyLag(def: NodeDefinition, standby: PgNodeView, primary: PgNodeView | undefined, _primaryDef: NodeDefinition | undefined): ReplicationLag | undefined {
  if (!primary) return undefined;
  const peer = matchReplicationPeer(def, standby, primary.replication);
  const bytes = lsnDiff(primary.currentLsn, standby.replayLsn ?? peer?.replayLsn);
  const seconds = peer?.replayLagSeconds ?? (peer && bytes === 0 ? 0 : undefined);
  const lag: ReplicationLag = {
    ...(bytes !== undefined ? { bytes: Math.max(0, bytes) } : {}),
    ...(seconds !== undefined ? { seconds } : {}),
    ...(peer?.state ? { state: peer.state } : {}),
    ...(peer?.syncState ? { syncState: peer.syncState } : {}),
  };
  return Object.keys(lag).length ? lag : undefined;
}
