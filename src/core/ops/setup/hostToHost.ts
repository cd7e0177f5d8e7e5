/**
 * How the cluster's hosts reach each other over SSH as the PostgreSQL OS user (pgpool's failover and
 * recovery scripts, ssh trust, the preflight check): `ssh.hostToHost` of the cluster file, a host's own
 * block overriding the cluster's field by field, else OpenSSH's defaults in that user's home.
 */
import type { ClusterDefinition, NodeDefinition, PgpoolInstance, SshSettings } from '../../inventory/model';

export interface HostToHostSettings {
  readonly user?: string;
  readonly port?: number;
  readonly identityFile?: string;
  readonly knownHostsFile?: string;
  /** The authorized_keys file this host's sshd reads for that user. */
  readonly authorizedKeysFile?: string;
}

export interface HostToHost {
  readonly user: string;
  readonly port: number;
  /** Private key; the public key is `identityFile + '.pub'`. Relative paths start in the user's home. */
  readonly identityFile: string;
  readonly knownHostsFile: string;
  readonly authorizedKeysFile: string;
}

/** Read structurally so this works whichever module declares the block. */
function block(s: SshSettings | undefined): HostToHostSettings {
  const b = (s as { readonly hostToHost?: HostToHostSettings } | undefined)?.hostToHost;
  return b && typeof b === 'object' ? b : {};
}

export type ClusterHost = NodeDefinition | PgpoolInstance;

export function clusterHosts(cluster: ClusterDefinition): ClusterHost[] {
  return [...cluster.pgpool, ...cluster.nodes];
}

export function hostToHost(cluster: ClusterDefinition, host: ClusterHost): HostToHost {
  const merged: HostToHostSettings = { ...block(cluster.ssh), ...block(host.ssh) };
  return {
    user: merged.user ?? host.ssh.sudoUser ?? host.ssh.user ?? cluster.ssh.user ?? 'postgres',
    port: merged.port ?? host.ssh.port ?? cluster.ssh.port ?? 22,
    identityFile: merged.identityFile ?? '.ssh/id_ed25519',
    knownHostsFile: merged.knownHostsFile ?? '.ssh/known_hosts',
    authorizedKeysFile: merged.authorizedKeysFile ?? '.ssh/authorized_keys',
  };
}

/** `ssh` options a source host uses to reach `target` non-interactively (BatchMode: nothing ever prompts). */
export function hopSshArgv(from: HostToHost, target: ClusterHost, to: HostToHost, command: readonly string[]): string[] {
  return [
    'ssh', '-T', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=5',
    '-o', `UserKnownHostsFile=${from.knownHostsFile}`, '-i', from.identityFile, '-p', String(to.port),
    `${to.user}@${target.host}`, '--', ...command,
  ];
}

/** The known_hosts name OpenSSH uses for a host and port. */
export const knownHostsName = (host: string, port: number): string => (port === 22 ? host : `[${host}]:${port}`);

export interface Hop {
  readonly from: ClusterHost;
  readonly to: ClusterHost;
  readonly why: string;
}

/**
 * The hops pgpool's scripts need: pgpool host -> every node (failover, follow_primary), and node <-> node
 * (recovery_1st_stage and pgpool_remote_start run on the primary, and any node may become the primary).
 */
export function neededHops(cluster: ClusterDefinition): Hop[] {
  const hops: Hop[] = [];
  for (const p of cluster.pgpool) {
    for (const n of cluster.nodes) hops.push({ from: p, to: n, why: 'failover.sh and follow_primary.sh run on the pgpool host' });
  }
  for (const a of cluster.nodes) {
    for (const b of cluster.nodes) {
      if (a !== b) hops.push({ from: a, to: b, why: 'online recovery runs on the primary and starts the rebuilt node; any node may be primary' });
    }
  }
  return hops;
}
