import { shellQuote } from '../remote/shellQuote';
import type { LabLayout } from './layout';
import { LAB_PGPOOL_PORT } from './layout';

/** `export` lines that let a person use psql, the pcp tools and ssh against the lab by hand. */
export function labEnvLines(layout: LabLayout, sshUser: string): string[] {
  const sshOpts = `-F /dev/null -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${layout.clientKnownHosts} -i ${layout.clientKey} -p ${layout.sshPort} -l ${sshUser}`;
  const vars: Array<[string, string]> = [
    // With watchdog, clients use the VIP the leader holds.
    ['PGHOST', layout.watchdog?.vip ?? layout.pgpool.address],
    ['PGPORT', String(LAB_PGPOOL_PORT)],
    ['PGUSER', 'postgres'],
    ['PGDATABASE', 'postgres'],
    ['PGPASSFILE', layout.pgpassFile],
    ['PCPPASSFILE', layout.pcppassFile],
    ['PGPOOL_CLUSTER_FILE', layout.clusterFile],
    ['PGPOOL_CLUSTER_LAB_DIR', layout.dir],
    ['PGPOOL_CLUSTER_LAB_SSH', sshOpts],
  ];
  const lines = vars.map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  lines.push(`alias lab-ssh=${shellQuote(`ssh ${sshOpts}`)}`);
  lines.push(`# e.g.  psql -c 'SHOW pool_nodes'   |   pcp_node_info -h ${layout.pgpool.address} -U pcpadmin -w -n 0   |   lab-ssh ${layout.nodes[0]?.address ?? ''}`);
  return lines;
}
