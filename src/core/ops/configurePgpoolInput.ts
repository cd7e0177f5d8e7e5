/**
 * What "Configure pgpool" generates from: the cluster definition, the host-specific values of the
 * pgpool.conf already on the host (sockets, pid file, work directory, pool sizes, users), and defaults.
 */
import * as path from 'node:path';
import { parseConf } from '../conf/parser';
import type { ClusterDefinition } from '../inventory/model';
import { hostToHost } from './hostToHost';
import { pgpoolCommandProgram, type DetectionProfile, type PgpoolConfigInput } from './pgpoolConfig';
import { pgpoolOf } from './environment';
import { sharedNodePassFile } from './pgCommands';

/** The pgpool.conf path on the pgpool host (cluster file `configFile`, else Debian's). */
export const pgpoolConfPath = (cluster: ClusterDefinition): string => pgpoolOf(cluster).configFile ?? '/etc/pgpool2/pgpool.conf';

/** Values of a pgpool.conf by name (last one wins, as pgpool reads it). */
export function confValues(text: string | undefined): Map<string, string> {
  const m = new Map<string, string>();
  if (text === undefined) return m;
  for (const e of parseConf(text, 'pgpool').entries) if (e.kind === 'setting') m.set(e.key, e.value);
  return m;
}

const fromHome = (p: string): string => (p.startsWith('/') || p.startsWith('~') ? p : `~/${p}`);

const int = (v: string | undefined): number | undefined => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);

export interface PgpoolInputOptions {
  readonly pgpoolVersion: string;
  readonly postgresMajor: string;
  readonly profile: DetectionProfile;
  /** The pgpool.conf pgpool runs with (discovered); default pgpoolConfPath(cluster). */
  readonly confPath?: string;
  /** The home of the user on the pgpool host (discovered): `~/` in pcpPassFile means it there, never here. */
  readonly pgpoolHome?: string;
}

/**
 * The pcp pass file as an absolute path on the pgpool host: scripts quote it (a quoted `~` never expands) and
 * SFTP writes it (SFTP does not expand `~`). Unset = that user's ~/.pcppass, which pcp reads by default.
 */
function pcpPassFileOnHost(configured: string | undefined, home: string | undefined, confDir: string): string {
  const p = configured ?? (home ? '~/.pcppass' : path.posix.join(confDir, '.pcppass'));
  if (!p.startsWith('~/')) return p;
  if (!home) throw new Error(`pcpPassFile is ${p}, but the home directory of the user on the pgpool host is unknown (its SSH probe failed); check SSH to the pgpool host, or set an absolute pcpPassFile in the cluster file.`);
  return path.posix.join(home, p.slice(2));
}

export function pgpoolConfigInput(cluster: ClusterDefinition, currentConf: string | undefined, o: PgpoolInputOptions): PgpoolConfigInput {
  const inst = pgpoolOf(cluster);
  const cur = confValues(currentConf);
  const confDir = path.posix.dirname(o.confPath ?? pgpoolConfPath(cluster));
  const failoverCmd = pgpoolCommandProgram(cur.get('failover_command') ?? '');
  const scriptsDir = failoverCmd && failoverCmd.startsWith('/') ? path.posix.dirname(failoverCmd) : confDir;
  const socketDir = cur.get('unix_socket_directories') ?? cur.get('socket_dir') ?? '/var/run/postgresql';
  const major = o.postgresMajor;
  const firstBin = cluster.nodes.find((n) => n.binDir)?.binDir;
  const pgBin = firstBin ?? `/usr/lib/postgresql/${major}/bin`;
  const ssh = hostToHost(cluster, inst);
  const missing = cluster.nodes.filter((n) => !n.dataDirectory).map((n) => n.name);
  if (missing.length) throw new Error(`Nodes ${missing.join(', ')} have no dataDirectory in the cluster file; pgpool's backend_data_directoryN and online recovery need it.`);
  const superuser = cluster.database.user ?? 'postgres';
  return {
    pgpoolVersion: o.pgpoolVersion,
    postgresMajor: Math.floor(Number(major)),
    listenAddresses: cur.get('listen_addresses') ?? inst.host,
    port: inst.port,
    pcpListenAddresses: cur.get('pcp_listen_addresses') ?? inst.host,
    pcpPort: inst.pcpPort,
    socketDir,
    pidFile: cur.get('pid_file_name') ?? '/var/run/pgpool/pgpool.pid',
    workDir: cur.get('work_dir') ?? cur.get('logdir') ?? '/var/log/pgpool',
    backends: cluster.nodes.map((n) => ({ id: n.id, host: n.host, port: n.port, dataDirectory: n.dataDirectory ?? '', applicationName: n.name })),
    healthCheckUser: cur.get('health_check_user') || 'pgpool',
    srCheckUser: cur.get('sr_check_user') || 'pgpool',
    recoveryUser: cur.get('recovery_user') || superuser,
    replicationUser: cluster.replication.user ?? 'replicator',
    superuser,
    profile: o.profile,
    scriptsDir,
    // ssh expands `~` itself; a path relative to the home directory must not depend on pgpool's cwd.
    ssh: { user: ssh.user, port: ssh.port, identityFile: fromHome(ssh.identityFile), knownHostsFile: fromHome(ssh.knownHostsFile) },
    pcp: {
      host: inst.host, user: inst.pcpUser ?? 'pgpool', passFile: pcpPassFileOnHost(inst.pcpPassFile, o.pgpoolHome, confDir),
      binDir: inst.binDir ?? '/usr/sbin',
    },
    pgBinDir: pgBin,
    pgClientBinDir: pgBin,
    // The nodes' own pass file (never the workstation's database.passfile); unset = ~/.pgpass of the OS user there.
    ...(sharedNodePassFile(cluster) ? { passFile: sharedNodePassFile(cluster)! } : {}),
    numInitChildren: int(cur.get('num_init_children')) ?? 32,
    maxPool: int(cur.get('max_pool')) ?? 4,
  };
}
