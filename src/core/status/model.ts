/** The merged status model: what pgpool thinks and what each PostgreSQL says, with disagreements flagged. */
import type { PgpoolNodeState, PgpoolNodeView } from '../db/poolNodes';
import type { PgpoolBackendView, PgpoolWatchdogView, WatchdogProblemCode, WatchdogStatus } from './watchdogModel';

export type NodeRole = 'primary' | 'standby' | 'unknown';
export type NodeState = 'up' | 'waiting' | 'down' | 'quarantine' | 'unreachable';
export type ClusterHealth = 'healthy' | 'degraded' | 'unreachable';

export type ProblemCode =
  | 'pgpool-unreachable' | 'node-unreachable' | 'false-primary' | 'role-mismatch' | 'split-brain' | 'no-primary'
  | 'not-streaming' | 'detached' | 'timeline-mismatch' | 'not-in-pgpool' | 'unknown-backend'
  | WatchdogProblemCode
  // Faults (faultProblems.ts):
  | 'partitioned' | 'disk-full' | 'credentials-rejected' | 'host-key-changed' | 'operation-in-progress'
  | 'pgpool-down'
  // A node `fence` stopped, until recover rejoins it (its fence mark, fenceMark.ts):
  | 'fenced';

export interface Problem {
  readonly code: ProblemCode;
  readonly severity: 'error' | 'warning';
  /** Node names concerned (empty for cluster-wide problems). */
  readonly nodes: readonly string[];
  readonly message: string;
}

/** PostgreSQL's own answer about a node. */
export interface PostgresView {
  readonly reachable: boolean;
  readonly error?: string;
  readonly role?: NodeRole;
  readonly serverVersionNum?: number;
  readonly timeline?: number;
  readonly currentLsn?: string;
  readonly receiveLsn?: string;
  readonly replayLsn?: string;
  /** `pg_stat_wal_receiver.status` on a standby (`streaming`, ...), absent when no receiver runs. */
  readonly walReceiverStatus?: string;
  readonly upstream?: string;
  /** The application_name a standby streams under (its primary_conninfo, else cluster_name). */
  readonly applicationName?: string;
  /** synchronous_standby_names as this node runs with it (empty: asynchronous). */
  readonly syncStandbyNames?: string;
  readonly elapsedMs?: number;
}

export interface ReplicationLag {
  /** Primary's current LSN minus this standby's replay LSN. */
  readonly bytes?: number;
  /** Primary's pg_stat_replication.replay_lag (0 when caught up and idle). */
  readonly seconds?: number;
  /** As the primary sees this standby in pg_stat_replication. */
  readonly state?: string;
  readonly syncState?: string;
}

export interface NodeStatus {
  readonly name: string;
  readonly id: number;
  readonly host: string;
  readonly port: number;
  /** PostgreSQL's role when it answered, else pgpool's, else unknown. */
  readonly role: NodeRole;
  readonly status: NodeState;
  /** pgpool has the node down/quarantined but PostgreSQL answers: `pcp_attach_node` would bring it back. */
  readonly detached: boolean;
  readonly pgpool?: PgpoolNodeView;
  readonly postgres: PostgresView;
  readonly lag?: ReplicationLag;
  readonly problems: readonly ProblemCode[];
}

export interface PgpoolStatus {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly reachable: boolean;
  readonly version?: string;
  readonly error?: string;
  readonly elapsedMs?: number;
  /** Watchdog clusters (several pgpool nodes) only. */
  readonly watchdog?: PgpoolWatchdogView;
  /** Watchdog clusters only: the backends as this pgpool sees them. */
  readonly backends?: PgpoolBackendView;
}

export interface ClusterStatus {
  readonly name: string;
  /** The instance whose view was used (first that answered, else the first defined). */
  readonly pgpool: PgpoolStatus;
  readonly pgpoolInstances: readonly PgpoolStatus[];
  readonly nodes: readonly NodeStatus[];
  readonly problems: readonly Problem[];
  readonly health: ClusterHealth;
  readonly refreshedAt: string;
  readonly elapsedMs: number;
  /** Watchdog clusters (several pgpool nodes) only: quorum, leader and who holds the VIP. */
  readonly watchdog?: WatchdogStatus;
}

export type { PgpoolNodeState };
