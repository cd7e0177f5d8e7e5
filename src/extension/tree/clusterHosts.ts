/**
 * What a cluster file would connect to, in the words shown when the user is asked once per file and host list
 * before the first connection. Pure: the key changes when any host, port, user or jump host changes, so an edited
 * file is asked about again.
 */
import { createHash } from 'node:crypto';
import type { ClusterDefinition, SshSettings } from '../../core/inventory/model';

function sshLine(host: string, ssh: SshSettings): string {
  const user = ssh.user ? `${ssh.user}@` : '';
  const port = ssh.port && ssh.port !== 22 ? `:${ssh.port}` : '';
  return `SSH ${user}${host}${port}${ssh.proxyJump ? ` via ${ssh.proxyJump}` : ''}`;
}

/** One line per connection the cluster's hosts would get: SSH, PostgreSQL, pgpool and pcp. */
export function clusterConnections(cluster: ClusterDefinition): string[] {
  const lines: string[] = [];
  for (const p of cluster.pgpool) {
    lines.push(`pgpool ${p.name}: ${p.host}:${p.port}, pcp ${p.pcpPort}, ${sshLine(p.host, { ...cluster.ssh, ...p.ssh })}`);
  }
  for (const n of cluster.nodes) {
    lines.push(`${n.name}: PostgreSQL ${n.host}:${n.port}${cluster.database.tunnel ? ' (through SSH)' : ''}, ${sshLine(n.host, { ...cluster.ssh, ...n.ssh })}`);
  }
  return lines;
}

/** Remembered per cluster file and the exact list of connections. */
export function connectionApprovalKey(file: string, clusterName: string, connections: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify([file, clusterName, ...connections])).digest('hex');
}
