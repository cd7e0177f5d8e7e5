import { homedir } from 'node:os';
import { join } from 'node:path';

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
  /** Folder of this simulated host: its sshd, its PostgreSQL data, its logs. */
  readonly dir: string;
  readonly sshdDir: string;
}

export interface LabNode extends LabHost {
  readonly id: number;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly identityConf: string;
  readonly logFile: string;
}

export interface LabLayout {
  readonly dir: string;
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
  readonly pgpool: LabHost & {
    readonly confDir: string;
    readonly runDir: string;
    readonly workDir: string;
    readonly logFile: string;
    readonly keyFile: string;
  };
  readonly nodes: readonly LabNode[];
}

export function defaultLabDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): string {
  if (env.PGPOOL_CLUSTER_LAB_DIR) return env.PGPOOL_CLUSTER_LAB_DIR;
  // Not under /tmp: sshd's StrictModes refuses key files below a world-writable directory.
  return uid === 0 ? '/var/lib/pgpool-cluster-lab' : join(homedir(), '.local', 'share', 'pgpool-cluster-lab');
}

function host(dir: string, name: string, address: string): LabHost {
  const hostDir = join(dir, 'hosts', name);
  return { name, address, dir: hostDir, sshdDir: join(hostDir, 'sshd') };
}

/** The first three octets of the lab's addresses; another prefix lets a second lab run beside the first. */
export function defaultLabNet(env: NodeJS.ProcessEnv = process.env): string {
  return env.PGPOOL_CLUSTER_LAB_NET ?? '127.0.0';
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
  return {
    dir,
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
    pgpool: {
      ...pgpoolHost,
      confDir: join(pgpoolHost.dir, 'etc'),
      runDir: join(pgpoolHost.dir, 'run'),
      workDir: join(pgpoolHost.dir, 'work'),
      logFile: join(pgpoolHost.dir, 'pgpool.log'),
      keyFile: join(pgpoolHost.dir, 'etc', '.pgpoolkey'),
    },
    nodes,
  };
}

export const allHosts = (l: LabLayout): LabHost[] => [l.pgpool, ...l.nodes];
