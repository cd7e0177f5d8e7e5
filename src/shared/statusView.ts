/**
 * The cluster status as the status panel and the node rule read it: plain JSON, no behaviour. The core's
 * ClusterStatus (src/core/status/model) is assignable to ClusterStatusView; the compiler checks that where the
 * panel sends it (src/extension/panel/statusPanel.ts), so the two cannot drift apart silently.
 */
export type NodeRoleView = 'primary' | 'standby' | 'unknown';
export type NodeStateName = 'up' | 'waiting' | 'down' | 'quarantine' | 'unreachable';
export type ClusterHealthView = 'healthy' | 'degraded' | 'unreachable';

export interface ReplicationLagView {
  readonly bytes?: number;
  readonly seconds?: number;
  readonly state?: string;
  readonly syncState?: string;
}

export interface NodeStateView {
  readonly name: string;
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly role: NodeRoleView;
  readonly status: NodeStateName;
  readonly detached: boolean;
  readonly pgpool?: {
    readonly status: string;
    readonly role: string;
    readonly lbWeight?: number | string;
    readonly selectCount?: number | string;
    readonly replicationState?: string;
    readonly replicationSyncState?: string;
    readonly lastStatusChange?: string;
  };
  readonly postgres: {
    readonly reachable: boolean;
    readonly error?: string;
    readonly role?: NodeRoleView;
    readonly serverVersionNum?: number;
    readonly timeline?: number;
    readonly currentLsn?: string;
    readonly receiveLsn?: string;
    readonly replayLsn?: string;
    /** synchronous_standby_names the node runs with (shown for the primary). */
    readonly syncStandbyNames?: string;
  };
  readonly lag?: ReplicationLagView;
  /** Problem codes (`false-primary`, `detached`, ...). */
  readonly problems: readonly string[];
}

/** One pgpool node of a watchdog cluster: its watchdog state and the backends it reports. */
export interface PgpoolNodeStateView {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly reachable: boolean;
  readonly version?: string;
  readonly error?: string;
  readonly watchdog?: { readonly role: string; readonly priority?: number; readonly holdsVip?: boolean; readonly reportedBy?: string; readonly error?: string };
  readonly backends?: { readonly primary?: string; readonly down: readonly string[] };
}

export interface WatchdogStateView {
  readonly quorum: string;
  readonly leader: string | null;
  readonly vip?: string;
  readonly vipHolders: readonly string[];
}

export interface ClusterStatusView {
  readonly name: string;
  readonly pgpool: { readonly name: string; readonly host: string; readonly port: number; readonly reachable: boolean; readonly version?: string; readonly error?: string };
  readonly nodes: readonly NodeStateView[];
  readonly problems: readonly { readonly code: string; readonly severity: 'error' | 'warning'; readonly nodes: readonly string[]; readonly message: string }[];
  readonly health: ClusterHealthView;
  readonly refreshedAt: string;
  readonly elapsedMs: number;
  /** Every pgpool node (watchdog clusters show them as a group). */
  readonly pgpoolInstances?: readonly PgpoolNodeStateView[];
  /** Watchdog clusters (several pgpool nodes) only. */
  readonly watchdog?: WatchdogStateView;
}
