/** The validated cluster definition (`pgpool-cluster.yaml`). Holds no secret by construction. */

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** How to reach a host over SSH; every field optional, filled from ~/.ssh/config and defaults later. */
export interface SshSettings {
  readonly user?: string;
  readonly port?: number;
  /** Absolute path, `~` already expanded. */
  readonly identityFile?: string;
  readonly knownHostsFile?: string;
  /** `[user@]host[:port]`, comma-separated for several jumps. */
  readonly proxyJump?: string;
  /** Run remote commands as `sudo -u <sudoUser>`. */
  readonly sudoUser?: string;
  /** How one cluster host reaches another (rsync of the copy method, run on the target node's host). */
  readonly hostToHost?: HostToHostSsh;
}

/** ssh options used on a cluster host to reach another one as the database OS user; paths are on that host. */
export interface HostToHostSsh {
  /** Login user on the other host (default: sudoUser, else user). */
  readonly user?: string;
  /** sshd port of the other host (default: the cluster's ssh port). */
  readonly port?: number;
  /** Absolute path on the host that runs ssh (not expanded locally). */
  readonly identityFile?: string;
  readonly knownHostsFile?: string;
  /** The authorized_keys file this host's sshd reads for that user (absolute; default ~/.ssh/authorized_keys). */
  readonly authorizedKeysFile?: string;
}

export interface DatabaseSettings {
  readonly user?: string;
  readonly name?: string;
  /**
   * A .pgpass-format file on THIS WORKSTATION, for the tool's own SQL connections (`~` = the local home); never
   * sent to a host. What the hosts read is each node's `pgpassFile` and the pgpool's `pcpPassFile`.
   */
  readonly passfile?: string;
  readonly sslmode?: SslMode;
  /** Reach PostgreSQL through an SSH tunnel to the node (`forwardOut`) instead of directly. */
  readonly tunnel?: boolean;
}

export interface PgpoolInstance {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly pcpPort: number;
  readonly pcpUser?: string;
  /**
   * The .pcppass file ON THE PGPOOL HOST, used when pcp runs there: absolute, or `~/...` (the home of the SSH
   * user there). Default: that user's ~/.pcppass. Run locally, pcp reads the workstation's PCPPASSFILE or ~/.pcppass.
   */
  readonly pcpPassFile?: string;
  readonly configFile?: string;
  readonly binDir?: string;
  readonly ssh: SshSettings;
}

export interface NodeDefinition {
  readonly name: string;
  /** pgpool backend id (backend_hostnameN). */
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly dataDirectory?: string;
  readonly binDir?: string;
  /**
   * The libpq pass file ON THIS NODE'S HOST, read by the database OS user for pg_rewind, pg_basebackup and the
   * standby's primary_conninfo: absolute, or `~/...` (that user's home there). Default: that user's ~/.pgpass.
   */
  readonly pgpassFile?: string;
  readonly ssh: SshSettings;
}

export interface ClusterDefinition {
  readonly name: string;
  readonly postgresVersion?: string;
  readonly pgpoolVersion?: string;
  readonly ssh: SshSettings;
  readonly database: DatabaseSettings;
  readonly replication: { readonly user?: string };
  readonly pgpool: readonly PgpoolInstance[];
  readonly nodes: readonly NodeDefinition[];
}

export interface ClusterFile {
  readonly version: 1;
  readonly clusters: readonly ClusterDefinition[];
}

/** A problem in the file, 1-based line and column. */
export interface InventoryError {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  /** Dotted path of the offending key, e.g. `clusters[0].nodes[1].port`. */
  readonly path: string;
}

export type InventoryResult =
  | { readonly ok: true; readonly value: ClusterFile; readonly warnings: readonly InventoryError[] }
  | { readonly ok: false; readonly errors: readonly InventoryError[] };
