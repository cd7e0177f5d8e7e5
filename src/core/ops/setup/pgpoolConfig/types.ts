import type { DetectionProfile } from './profiles';
import type { WatchdogSpec } from './watchdog';

export interface BackendSpec {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly dataDirectory: string;
  /** application_name the standby uses in primary_conninfo; pgpool matches it for replication_state. */
  readonly applicationName: string;
  readonly weight?: number;
}

/** How the generated scripts reach other hosts (as the PostgreSQL OS user). */
export interface ScriptSsh {
  readonly user: string;
  readonly port: number;
  readonly identityFile?: string;
  readonly knownHostsFile?: string;
}

export interface PgpoolConfigInput {
  /** e.g. "4.3" */
  readonly pgpoolVersion: string;
  /** PostgreSQL major version of the backends, e.g. 15 (9.6 is 9). */
  readonly postgresMajor: number;
  readonly listenAddresses: string;
  readonly port: number;
  readonly pcpListenAddresses: string;
  readonly pcpPort: number;
  /** Directory for pgpool's Unix sockets (client, pcp, watchdog IPC). */
  readonly socketDir: string;
  readonly pidFile: string;
  /** logdir / work_dir: where pgpool keeps pgpool_status. */
  readonly workDir: string;
  readonly backends: readonly BackendSpec[];
  readonly healthCheckUser: string;
  readonly srCheckUser: string;
  readonly recoveryUser: string;
  readonly replicationUser: string;
  /** Superuser the failover scripts connect as (via the pass file), e.g. postgres. */
  readonly superuser: string;
  readonly profile: DetectionProfile;
  /** Where failover.sh and follow_primary.sh are installed on the pgpool host. */
  readonly scriptsDir: string;
  /**
   * Automatic failover refuses to promote a standby whose received WAL is more than this many bytes behind the
   * furthest position any standby saw from the failed primary (default FAILOVER_MAX_LAG_BYTES, 16 MiB).
   */
  readonly failoverMaxLagBytes?: number;
  readonly ssh: ScriptSsh;
  /** pcp endpoint the follow-primary script uses to re-attach nodes; password comes from pcpPassFile. */
  readonly pcp: { readonly host: string; readonly user: string; readonly passFile: string; readonly binDir: string };
  /** PostgreSQL server binaries on every node (pg_ctl of the servers' version). */
  readonly pgBinDir: string;
  /** Client programs (psql, pg_isready, pg_rewind, pg_basebackup) when they live elsewhere; default pgBinDir. */
  readonly pgClientBinDir?: string;
  /** libpq pass file the scripts use on every host (absolute); unset means ~/.pgpass. */
  readonly passFile?: string;
  readonly numInitChildren?: number;
  readonly maxPool?: number;
  readonly loadBalance?: boolean;
  /** Several pgpool nodes with watchdog (heartbeat, VIP, quorum); unset: one pgpool, no watchdog. */
  readonly watchdog?: WatchdogSpec;
  /** Extra lines appended to pgpool.conf (already formatted `name = value`). */
  readonly extra?: readonly string[];
}

export interface GeneratedFile {
  /**
   * Where the file goes: `pgpool` files on the pgpool host (scripts folder), `pgpoolConf` beside its pgpool.conf
   * (pgpool_node_id), `primaryData` into the primary's data directory.
   */
  readonly target: 'pgpool' | 'pgpoolConf' | 'primaryData';
  readonly name: string;
  readonly content: string;
  readonly mode: number;
}
