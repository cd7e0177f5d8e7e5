import { join } from 'node:path';
import { stringify } from 'yaml';
import type { LabLayout } from './layout';
import { HOST_PG_HOME, LAB_PCP_PORT, LAB_PG_PORT, LAB_PGPOOL_PORT, LAB_PGPOOL_VERSION, LAB_SSH_PORT } from './layout';
import type { LabPrograms } from './prerequisites';
import type { ServiceUser } from './serviceUser';

/** The lab's cluster definition (pgpool-cluster.yaml format); no secrets, only paths to pass files. */
export function labClusterDefinition(layout: LabLayout, programs: LabPrograms, user: ServiceUser): string {
  const def = {
    version: 1,
    clusters: [
      {
        name: 'lab',
        postgresVersion: programs.pgMajor,
        pgpoolVersion: LAB_PGPOOL_VERSION,
        ssh: {
          user: user.name, port: LAB_SSH_PORT, identityFile: layout.clientKey, knownHostsFile: layout.clientKnownHosts,
          // The nodes trust each other with the database user's key (the copy method's rsync, pgpool's scripts).
          hostToHost: { identityFile: layout.postgresKey, knownHostsFile: layout.postgresKnownHosts },
        },
        database: { user: 'postgres', name: 'postgres', passfile: layout.pgpassFile },
        replication: { user: 'replicator' },
        pgpool: [
          {
            name: 'pgpool',
            host: layout.pgpool.address,
            port: LAB_PGPOOL_PORT,
            pcpPort: LAB_PCP_PORT,
            pcpUser: 'pcpadmin',
            pcpPassFile: layout.pcppassFile,
            configFile: `${layout.pgpool.confDir}/pgpool.conf`,
            binDir: programs.pcpBin,
            // Each simulated host's sshd reads its own authorized_keys (setup-ssh-trust appends to it).
            ssh: { hostToHost: { authorizedKeysFile: join(layout.pgpool.sshdDir, 'authorized_keys') } },
          },
        ],
        // Other versions' server programs sit beside Debian's 15 client tools: the hosts' PATH finds both.
        nodes: layout.nodes.map((n) => ({
          name: n.name, id: n.id, host: n.address, port: LAB_PG_PORT, dataDirectory: n.dataDir,
          // The pass file the node's OS user reads on that host (the lab's hosts share one file system).
          pgpassFile: layout.pgpassFile,
          ssh: { hostToHost: { authorizedKeysFile: join(n.sshdDir, 'authorized_keys') } },
          ...(programs.pgBin === programs.pgClientBin ? { binDir: programs.pgBin } : {}),
        })),
      },
    ],
  };
  return `# Written by \`pgpool-cluster lab up\`: the rehearsal cluster on loopback addresses.\n${stringify(def)}`;
}

/**
 * The isolated lab's cluster definition: every path is a path on its host (Debian's), except the
 * workstation's own identityFile, knownHostsFile and database passfile. Hosts authenticate with what the
 * postgres user has there (~/.pgpass, ~/.pcppass, ~/.ssh), as pgpool's docs set them up.
 */
export function isolatedClusterDefinition(layout: LabLayout, programs: LabPrograms, user: ServiceUser): string {
  const home = HOST_PG_HOME;
  const def = {
    version: 1,
    clusters: [
      {
        name: 'lab',
        postgresVersion: programs.pgMajor,
        pgpoolVersion: LAB_PGPOOL_VERSION,
        ssh: {
          user: user.name, port: layout.sshPort, identityFile: layout.clientKey, knownHostsFile: layout.clientKnownHosts,
          hostToHost: { identityFile: `${home}/.ssh/id_ed25519`, knownHostsFile: `${home}/.ssh/known_hosts` },
        },
        database: { user: 'postgres', name: 'postgres', passfile: layout.pgpassFile },
        replication: { user: 'replicator' },
        // The watchdog lab lists its three pgpool nodes in pgpool_node_id order.
        pgpool: layout.pgpools.map((p) => ({
          name: p.name,
          host: p.address,
          port: LAB_PGPOOL_PORT,
          pcpPort: LAB_PCP_PORT,
          pcpUser: 'pcpadmin',
          pcpPassFile: `${home}/.pcppass`,
          configFile: `${p.confDir}/pgpool.conf`,
          binDir: programs.pcpBin,
          ssh: { hostToHost: { authorizedKeysFile: `${home}/.ssh/authorized_keys` } },
        })),
        nodes: layout.nodes.map((n) => ({
          name: n.name, id: n.id, host: n.address, port: LAB_PG_PORT, dataDirectory: n.dataDir,
          ssh: { hostToHost: { authorizedKeysFile: `${home}/.ssh/authorized_keys` } },
        })),
      },
    ],
  };
  const head = layout.watchdog
    ? `# Written by \`pgpool-cluster lab up --isolated --watchdog\`: each host is its own network and mount namespace;\n# the pgpool nodes run watchdog and the leader holds the virtual IP ${layout.watchdog.vip} (port ${LAB_PGPOOL_PORT}).\n`
    : '# Written by `pgpool-cluster lab up --isolated`: each host is its own network and mount namespace.\n';
  return `${head}${stringify(def)}`;
}
