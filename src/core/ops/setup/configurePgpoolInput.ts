/**
 * What "Configure pgpool" generates from: the cluster definition, the host-specific values of the
 * pgpool.conf already on the host (sockets, pid file, work directory, pool sizes, users), and defaults.
 */
import * as path from 'node:path';
import { parseConf } from '../../conf/parser';
import type { ClusterDefinition } from '../../inventory/model';
import { hostToHost } from './hostToHost';
import { defaultVipCommands, pgpoolCommandProgram, type DetectionProfile, type PgpoolConfigInput, type WatchdogSpec } from './pgpoolConfig';
import { pgpoolOf } from '../engine/environment';
import { sharedNodePassFile } from '../engine/pgCommands';

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
  /** The pgpool instance whose files these are (cluster file name); default the first. */
  readonly pgpool?: string;
  /** With several pgpool instances: the VIP (else the file's delegate_ip) and wd_authkey (from the secret store). */
  readonly watchdog?: WatchdogOptions;
  /** Bound for the failover script's automatic choice (bytes behind); default FAILOVER_MAX_LAG_BYTES. */
  readonly failoverMaxLagBytes?: number;
}

export interface WatchdogOptions {
  readonly vip?: string;
  readonly authkey?: string;
}

/** The pgpool instance named (default the first), with its index in the cluster file: its pgpool_node_id. */
export function pgpoolInstance(cluster: ClusterDefinition, name?: string): { inst: ReturnType<typeof pgpoolOf>; index: number } {
  if (name === undefined) return { inst: pgpoolOf(cluster), index: 0 };
  const index = cluster.pgpool.findIndex((p) => p.name === name);
  if (index < 0) throw new Error(`Cluster ${cluster.name} has no pgpool named ${JSON.stringify(name)}; it has ${cluster.pgpool.map((p) => p.name).join(', ') || 'none'}.`);
  return { inst: cluster.pgpool[index]!, index };
}

/**
 * The watchdog settings of pgpool `self` when the cluster file lists several pgpool instances (in pgpool_node_id
 * order). Ports, heartbeat devices and the VIP commands come from the current file when it has them.
 */
export function watchdogSpecFor(cluster: ClusterDefinition, self: number, cur: ReadonlyMap<string, string>, pgpoolVersion: string, w: WatchdogOptions = {}): WatchdogSpec | undefined {
  if (cluster.pgpool.length < 2) return undefined;
  const nodes = cluster.pgpool.map((p, i) => ({
    host: p.host, pgpoolPort: p.port,
    wdPort: int(cur.get(`wd_port${i}`)) ?? (i === self ? int(cur.get('wd_port')) : undefined) ?? 9000,
    heartbeatPort: int(cur.get(`heartbeat_port${i}`)) ?? int(cur.get('wd_heartbeat_port')) ?? 9694,
    heartbeatDevice: cur.get(`heartbeat_device${i}`) ?? '',
  }));
  // pgpool's names are case-sensitive as written: delegate_IP up to 4.3, delegate_ip after.
  const vip = w.vip ?? (cur.get('delegate_ip') || cur.get('delegate_IP') || undefined);
  const upCmd = cur.get('if_up_cmd');
  const device = (upCmd && /\bdev\s+(\S+)/.exec(upCmd)?.[1]) || 'eth0';
  const prefix = Number((upCmd && /\$_IP_\$\/(\d+)/.exec(upCmd)?.[1]) || 24);
  const d = defaultVipCommands(pgpoolVersion, device, prefix);
  const commands = {
    ifCmdPath: cur.get('if_cmd_path') ?? d.ifCmdPath, ifUpCmd: upCmd ?? d.ifUpCmd, ifDownCmd: cur.get('if_down_cmd') ?? d.ifDownCmd,
    arpingPath: cur.get('arping_path') ?? d.arpingPath, arpingCmd: cur.get('arping_cmd') ?? d.arpingCmd,
  };
  return {
    nodes, self, device, vipPrefix: prefix, commands,
    ...(vip !== undefined ? { vip } : {}),
    ...(w.authkey ? { authkey: w.authkey } : {}),
    ...(cur.get('trusted_servers') ? { trustedServers: cur.get('trusted_servers')! } : {}),
  };
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
  const { inst, index } = pgpoolInstance(cluster, o.pgpool);
  const cur = confValues(currentConf);
  const confDir = path.posix.dirname(o.confPath ?? inst.configFile ?? '/etc/pgpool2/pgpool.conf');
  const watchdog = watchdogSpecFor(cluster, index, cur, o.pgpoolVersion, o.watchdog);
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
    ...(o.failoverMaxLagBytes !== undefined ? { failoverMaxLagBytes: o.failoverMaxLagBytes } : {}),
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
    ...(watchdog ? { watchdog } : {}),
  };
}
