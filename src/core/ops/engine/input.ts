/** What every plan builder gets: the definition, the status just collected, and the user's options. */
import type { ClusterDefinition, NodeDefinition } from '../../inventory/model';
import type { ClusterStatus, NodeStatus } from '../../status/model';
import { majorFromVersionNum, normalizePgMajor, pgpoolMajor, type Versions } from './pgCommands';

export type RecoverMethod = 'pcp' | 'restart' | 'rewind' | 'basebackup' | 'copy';
export const RECOVER_METHODS: readonly RecoverMethod[] = ['restart', 'rewind', 'basebackup', 'copy', 'pcp'];
/** The two ways to copy a primary's whole data directory (recover and setup-replication share them). */
export type CopyMethod = Extract<RecoverMethod, 'basebackup' | 'copy'>;
export const COPY_METHODS: readonly CopyMethod[] = ['basebackup', 'copy'];

export interface OpsOptions {
  /** promote: stop a live primary first (fencing) instead of refusing. */
  readonly fence?: boolean;
  readonly method?: RecoverMethod;
  /** For names such as the moved-aside data directory; default now. */
  readonly now?: Date;
  /** switchover: largest replay lag (bytes) accepted before starting; default 16 MB. */
  readonly maxLagBytes?: number;
}

/** What a probe over SSH learned about a node's data directory (recover's default method). */
export interface RecoveryFacts {
  /** pg_controldata "Database system identifier" of the node's data directory; undefined when there is none. */
  readonly nodeSystemId?: string;
  /** The primary's system identifier (pg_control_system()). */
  readonly primarySystemId?: string;
  /** pg_controldata "Database cluster state" of the node ("in archive recovery" = a standby that crashed or runs). */
  readonly nodeState?: string;
  /** The newest timeline the node's control file names (checkpoint or minimum recovery point). */
  readonly nodeTimeline?: number;
  /** The furthest WAL position the node's control file names (checkpoint, minimum recovery point). */
  readonly nodeLsn?: string;
  /** The primary's current timeline (from its current WAL file name) and write position. */
  readonly primaryTimeline?: number;
  readonly primaryLsn?: string;
  /** Major version of pg_basebackup on the node's host (pg_rewind and pg_basebackup copy only up to it). */
  readonly clientMajor?: string;
  /** End of the node's own WAL (last record pg_waldump reads from its checkpoint on), when it is on an older timeline. */
  readonly nodeWalEnd?: string;
  /** Where the node's timeline ends in the primary's timeline history (the fork point). */
  readonly forkLsn?: string;
  /** Size of the primary's pg_wal (pg_rewind copies all of it) and of all its databases, when the history forked. */
  readonly primaryWalBytes?: number;
  readonly databaseBytes?: number;
  /** The node's host has rsync and reaches the primary's host over ssh.hostToHost, where rsync runs too (the copy method can work). */
  readonly copyReady?: boolean;
  /** Why the probe could not tell. */
  readonly error?: string;
}

/** What fence found out about a node before planning: which way in still works. */
export interface FenceReach {
  /** `true` ran over SSH on the node's host. */
  readonly ssh: boolean;
  readonly sshError?: string;
  /** The server's hba_file (SHOW hba_file), when it answered. */
  readonly hbaFile?: string;
}

export interface OpsInput {
  readonly cluster: ClusterDefinition;
  readonly status: ClusterStatus;
  readonly options?: OpsOptions;
  readonly facts?: RecoveryFacts;
  /**
   * Whether pgpool's failover_command script waits for a clean shutdown to finish before promoting
   * (pgpoolScriptFacts.ts); undefined when unknown. Switchover and fenced promote rely on it.
   */
  readonly failoverWaitsForCleanStop?: boolean;
  /** fence: whether the node's host answers over SSH (probed right before planning). */
  readonly fenceReach?: FenceReach;
  /** recover of a node that streams and is attached: whether its fence mark is still there (probed only then). */
  readonly fenceMarked?: boolean;
  /** fence: pgpool's follow_primary script and whether it leaves fenced nodes alone; undefined when none is set or it could not be read. */
  readonly followPrimaryFence?: { readonly script: string; readonly respects: boolean };
  /** The file the installed failover script reads the operator's chosen node from (failoverTarget.ts); undefined for older scripts. */
  readonly failoverTargetFile?: string;
  /** The failover_command script's absolute path on the pgpool host, when it could be read (switchover's undo waits until it no longer runs). */
  readonly failoverScript?: string;
  /** pgpool's failover / follow_primary script paths: a hand-over's target file waits for them in the same SSH command (failoverTarget.ts). */
  readonly pgpoolScripts?: readonly string[];
  /** pgpool's streaming-replication check (who, how often), from its pgpool.conf: a primary's stop waits until that check is not connected to it. */
  readonly pgpoolSrCheck?: SrCheck;
}

/** Who pgpool's streaming-replication check connects as (sr_check_user), and how often (sr_check_period, seconds). */
export interface SrCheck {
  readonly user: string;
  readonly periodS: number;
}

/** Versions from the cluster file, else from what the servers said, else the newest supported. */
export function resolveVersions(cluster: ClusterDefinition, status: ClusterStatus): Versions {
  const num = status.nodes.find((n) => n.postgres.serverVersionNum)?.postgres.serverVersionNum;
  const postgres = cluster.postgresVersion ? normalizePgMajor(cluster.postgresVersion) : num ? majorFromVersionNum(num) : '16';
  const pgpool = (cluster.pgpoolVersion ? pgpoolMajor(cluster.pgpoolVersion) : undefined)
    ?? (status.pgpool.version ? pgpoolMajor(status.pgpool.version) : undefined) ?? '4.7';
  return { postgres, pgpool };
}

/** A node by name, or by pgpool id when the text is a number. */
export function findNode(cluster: ClusterDefinition, nameOrId: string): NodeDefinition | undefined {
  return cluster.nodes.find((n) => n.name === nameOrId) ?? (/^\d+$/.test(nameOrId) ? cluster.nodes.find((n) => n.id === Number(nameOrId)) : undefined);
}

export function nodeStatus(status: ClusterStatus, node: NodeDefinition): NodeStatus | undefined {
  return status.nodes.find((n) => n.name === node.name) ?? status.nodes.find((n) => n.id === node.id);
}

/** Nodes PostgreSQL itself reports as primary (reachable and out of recovery). */
export function livePrimaries(input: OpsInput): NodeDefinition[] {
  return input.cluster.nodes.filter((n) => {
    const s = nodeStatus(input.status, n);
    return s?.postgres.reachable === true && s.postgres.role === 'primary';
  });
}

/** The primary new standbys should follow: the live one pgpool agrees on, else any live one. */
export function currentPrimary(input: OpsInput): NodeDefinition | undefined {
  const live = livePrimaries(input);
  return live.find((n) => nodeStatus(input.status, n)?.pgpool?.role === 'primary') ?? live[0];
}

/** pgpool's primary (may be down/unreachable for PostgreSQL). */
export function pgpoolPrimaryNode(input: OpsInput): NodeDefinition | undefined {
  return input.cluster.nodes.find((n) => nodeStatus(input.status, n)?.pgpool?.role === 'primary');
}
