import { homedir } from 'node:os';
import { join } from 'node:path';
import { LabError } from './proc';

/** Fixed shape of the rehearsal cluster: pgpool on .10, three PostgreSQL nodes on .11-.13. */
export const LAB_PGPOOL_HOST = '127.0.0.10';
export const LAB_SSH_PORT = 2222;
export const LAB_PG_PORT = 5432;
export const LAB_PGPOOL_PORT = 9999;
export const LAB_PCP_PORT = 9898;
export const LAB_PG_MAJOR = 15;
export const LAB_PGPOOL_VERSION = '4.3';

export interface LabHost {
  readonly name: string;
  readonly address: string;
  /** Folder of this simulated host on the machine: its sshd, its PostgreSQL data, its logs (isolated: what is bind-mounted into it). */
  readonly dir: string;
  /** sshd's configuration folder as the host sees it. */
  readonly sshdDir: string;
}

export interface LabNode extends LabHost {
  readonly id: number;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly identityConf: string;
  readonly logFile: string;
}

/** The isolated lab: each host a network + mount namespace on a bridge; the workstation is the root namespace. */
export interface LabIsolation {
  readonly bridge: string;
  /** The workstation's (root namespace's) address on the bridge. */
  readonly workstation: string;
  /** The lab subnet, e.g. 10.213.1.0/24. */
  readonly subnet: string;
  /** A wider prefix routed to blackhole in the root namespace, so nothing for the range ever leaves the machine. */
  readonly blackhole: string;
  /** Prefix of the namespace and veth names (`<prefix>-node0`). */
  readonly prefix: string;
}

export interface LabLayout {
  readonly dir: string;
  /** Set for the isolated lab; paths of hosts (dataDir, confDir, sshdDir...) are then paths on the host. */
  readonly isolation?: LabIsolation;
  readonly sshPort: number;
  readonly stateFile: string;
  readonly clusterFile: string;
  readonly pgpassFile: string;
  readonly pcppassFile: string;
  readonly clientDir: string;
  readonly clientKey: string;
  readonly clientKnownHosts: string;
  /** The PostgreSQL OS user's ssh key and known_hosts, used by pgpool's scripts on every host. */
  readonly postgresSshDir: string;
  readonly postgresKey: string;
  readonly postgresKnownHosts: string;
  /** The pgpool host operations go through (with watchdog: the first of `pgpools`). */
  readonly pgpool: LabPgpoolHost;
  /** Every pgpool host: `[pgpool]`, or the watchdog lab's three. */
  readonly pgpools: readonly LabPgpoolHost[];
  /** Set for the watchdog lab (isolated only): three pgpool hosts and a virtual IP on the lab network. */
  readonly watchdog?: LabWatchdog;
  readonly nodes: readonly LabNode[];
}

export interface LabPgpoolHost extends LabHost {
  readonly confDir: string;
  readonly runDir: string;
  readonly workDir: string;
  readonly logFile: string;
  readonly keyFile: string;
}

export interface LabWatchdog {
  /** The virtual IP clients connect to, held by the leader (e.g. 10.213.11.100). */
  readonly vip: string;
  readonly wdPort: number;
  readonly heartbeatPort: number;
}

export const LAB_WD_PORT = 9000;
export const LAB_HEARTBEAT_PORT = 9694;
/** Last octet of the watchdog lab's VIP and of its pgpool hosts (pgpool0 keeps the single pgpool's .10). */
export const LAB_VIP_OCTET = 100;
export const LAB_WATCHDOG_PGPOOL_OCTETS = [10, 20, 30] as const;

/** True for a host that runs pgpool (not PostgreSQL). */
export const isPgpoolHost = (layout: LabLayout, host: LabHost): boolean => layout.pgpools.some((p) => p.name === host.name);

export function defaultLabDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): string {
  if (env.PGPOOL_CLUSTER_LAB_DIR) return env.PGPOOL_CLUSTER_LAB_DIR;
  // Not under /tmp: sshd's StrictModes refuses key files below a world-writable directory.
  return uid === 0 ? '/var/lib/pgpool-cluster-lab' : join(homedir(), '.local', 'share', 'pgpool-cluster-lab');
}

function host(dir: string, name: string, address: string): LabHost {
  const hostDir = join(dir, 'hosts', name);
  return { name, address, dir: hostDir, sshdDir: join(hostDir, 'sshd') };
}

/**
 * The first three octets of the lab's addresses; another prefix lets a second lab run beside the first. A trailing
 * dot is dropped (`10.213.13.`); anything else that is not three octets is refused: falling back to the default
 * range would start this lab on top of the lab that owns it.
 */
export function defaultLabNet(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.PGPOOL_CLUSTER_LAB_NET?.trim();
  if (raw === undefined || raw === '') return '127.0.0';
  const net = raw.replace(/\.$/, '');
  if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(net)) {
    throw new LabError(`PGPOOL_CLUSTER_LAB_NET must be the first three octets of the lab's addresses, such as 10.213.13 or 127.0.5 (got ${JSON.stringify(env.PGPOOL_CLUSTER_LAB_NET)}).`);
  }
  return net;
}

/** True for the first three octets of a private (RFC 1918) /24: the isolated lab's range. */
export function isPrivateNet(net: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(net);
  if (!m) return false;
  const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (a > 255 || b > 255 || c > 255) return false;
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

export const ISOLATED_DEFAULT_NET = '10.213.1';
/** Paths on an isolated host: Debian's. */
export const HOST_PG_HOME = '/var/lib/postgresql';
export const HOST_DATA_DIR = `${HOST_PG_HOME}/${LAB_PG_MAJOR}/main`;

/** The isolated lab's shape: Debian paths on every host, sshd on 22, a bridge named after the subnet. */
export function isolatedLabLayout(dir: string, nodeCount = 3, net = ISOLATED_DEFAULT_NET, watchdog = false): LabLayout {
  if (!isPrivateNet(net)) {
    throw new Error(`The isolated lab needs a private network prefix such as ${ISOLATED_DEFAULT_NET} (got ${JSON.stringify(net)}); loopback prefixes are for the loopback lab.`);
  }
  const [a, b, c] = net.split('.');
  // Names carry the 2nd and 3rd octets (p213x1-node0 fits IFNAMSIZ): labs on other ranges never share a name.
  const prefix = `p${b}x${c}`;
  const isolation: LabIsolation = {
    bridge: prefix, workstation: `${net}.1`, subnet: `${net}.0/24`,
    blackhole: a === '10' ? `${a}.${b}.0.0/16` : `${a}.${b}.${Number(c) & 0xf0}.0/20`, prefix,
  };
  const mk = (name: string, address: string): LabHost => ({ name, address, dir: join(dir, 'hosts', name), sshdDir: '/etc/ssh' });
  const nodes: LabNode[] = [];
  for (let id = 0; id < nodeCount; id++) {
    nodes.push({
      ...mk(`node${id}`, `${net}.${11 + id}`), id, dataDir: HOST_DATA_DIR, socketDir: '/var/run/postgresql',
      identityConf: `${HOST_PG_HOME}/${LAB_PG_MAJOR}/identity.conf`, logFile: `/var/log/postgresql/postgresql-${LAB_PG_MAJOR}-main.log`,
    });
  }
  const pgpoolHost = (name: string, address: string): LabPgpoolHost => ({
    ...mk(name, address), confDir: '/etc/pgpool2', runDir: '/var/run/postgresql', workDir: '/var/log/postgresql',
    logFile: '/var/log/postgresql/pgpool.log', keyFile: `${HOST_PG_HOME}/.pgpoolkey`,
  });
  const pgpools = watchdog
    ? LAB_WATCHDOG_PGPOOL_OCTETS.map((o, i) => pgpoolHost(`pgpool${i}`, `${net}.${o}`))
    : [pgpoolHost('pgpool', `${net}.10`)];
  return {
    dir, isolation, sshPort: 22,
    ...workstationFiles(dir),
    pgpool: pgpools[0]!,
    pgpools,
    ...(watchdog ? { watchdog: { vip: `${net}.${LAB_VIP_OCTET}`, wdPort: LAB_WD_PORT, heartbeatPort: LAB_HEARTBEAT_PORT } } : {}),
    nodes,
  };
}

/** The lab's files on this machine (the workstation's side), the same for both kinds of lab. */
function workstationFiles(dir: string) {
  return {
    stateFile: join(dir, 'lab.json'),
    clusterFile: join(dir, 'pgpool-cluster.yaml'),
    pgpassFile: join(dir, 'pgpass'),
    pcppassFile: join(dir, 'pcppass'),
    clientDir: join(dir, 'client'),
    clientKey: join(dir, 'client', 'id_ed25519'),
    clientKnownHosts: join(dir, 'client', 'known_hosts'),
    postgresSshDir: join(dir, 'postgres-ssh'),
    postgresKey: join(dir, 'postgres-ssh', 'id_ed25519'),
    postgresKnownHosts: join(dir, 'postgres-ssh', 'known_hosts'),
  };
}

export function labLayout(dir: string, nodeCount = 3, net = defaultLabNet()): LabLayout {
  if (!/^127\.\d{1,3}\.\d{1,3}$/.test(net)) {
    throw new Error(`The lab's network prefix must be a loopback prefix such as 127.0.0 (got ${JSON.stringify(net)}).`);
  }
  const pgpoolHost = host(dir, 'pgpool', net === '127.0.0' ? LAB_PGPOOL_HOST : `${net}.10`);
  const nodes: LabNode[] = [];
  for (let id = 0; id < nodeCount; id++) {
    const h = host(dir, `node${id}`, `${net}.${11 + id}`);
    nodes.push({
      ...h,
      id,
      dataDir: join(h.dir, 'data'),
      socketDir: join(h.dir, 'run'),
      identityConf: join(h.dir, 'identity.conf'),
      logFile: join(h.dir, 'data', 'startup.log'),
    });
  }
  const pgpool: LabPgpoolHost = {
    ...pgpoolHost,
    confDir: join(pgpoolHost.dir, 'etc'),
    runDir: join(pgpoolHost.dir, 'run'),
    workDir: join(pgpoolHost.dir, 'work'),
    logFile: join(pgpoolHost.dir, 'pgpool.log'),
    keyFile: join(pgpoolHost.dir, 'etc', '.pgpoolkey'),
  };
  return {
    dir,
    sshPort: LAB_SSH_PORT,
    ...workstationFiles(dir),
    pgpool,
    pgpools: [pgpool],
    nodes,
  };
}

export const allHosts = (l: LabLayout): LabHost[] => [...l.pgpools, ...l.nodes];
