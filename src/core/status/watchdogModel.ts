/** What the status model says about a watchdog cluster (several pgpool nodes, a VIP, quorum). */
import type { WatchdogQuorum, WatchdogRole } from '../db/watchdogInfo';

export type { WatchdogQuorum, WatchdogRole };

export type WatchdogProblemCode =
  | 'watchdog-no-leader' | 'watchdog-leaders' | 'watchdog-quorum-lost' | 'vip-on-two-hosts' | 'vip-not-held'
  | 'pgpool-views-differ' | 'pgpool-node-down' | 'watchdog-unknown';

/** One pgpool node's watchdog state: its own view of itself when it answers, else what the others report. */
export interface PgpoolWatchdogView {
  readonly role: WatchdogRole;
  readonly priority?: number;
  /** The VIP is one of the host's addresses (`ip -o addr` over SSH); undefined when the host could not be asked. */
  readonly holdsVip?: boolean;
  /** Which pgpool's pcp_watchdog_info the role comes from (cluster file name). */
  readonly reportedBy?: string;
  /** Why the watchdog state or the host's addresses could not be read. */
  readonly error?: string;
}

/** The backends as one pgpool sees them (SHOW pool_nodes), by cluster file node name. */
export interface PgpoolBackendView {
  readonly primary?: string;
  readonly down: readonly string[];
}

export interface WatchdogStatus {
  readonly quorum: WatchdogQuorum;
  /** Cluster file name of the leader pgpool; null when there is none (or it cannot be told). */
  readonly leader: string | null;
  readonly vip?: string;
  /** Cluster file names of the pgpool hosts that hold the VIP, as their own `ip addr` says. */
  readonly vipHolders: readonly string[];
}
