/**
 * What "Configure pgpool" asks on a watchdog cluster, as pure functions (no `vscode` import, unit-tested): which
 * pgpool node to configure, the virtual IP, and the SecretStorage key of wd_authkey.
 */
import type { ClusterDefinition, PgpoolInstance } from '../../core/inventory/model';
import type { ClusterStatus } from '../../core/status/model';

export interface PgpoolChoice {
  readonly label: string;
  readonly description: string;
  readonly detail?: string;
  readonly name: string;
}

/** One QuickPick row per pgpool node of the cluster, in pgpool_node_id order, with what the last refresh saw. */
export function pgpoolChoices(cluster: ClusterDefinition, status: ClusterStatus | undefined): PgpoolChoice[] {
  return cluster.pgpool.map((p, i) => {
    const seen = status?.pgpoolInstances.find((x) => x.name === p.name);
    const role = seen?.watchdog?.role ?? (seen ? (seen.reachable ? 'reachable' : 'unreachable') : undefined);
    const vip = seen?.watchdog?.holdsVip ? ' · holds the VIP' : '';
    return {
      label: p.name,
      description: `pgpool_node_id ${i} · ${p.host}:${p.port}`,
      ...(role ? { detail: `${role}${vip}` } : {}),
      name: p.name,
    };
  });
}

const octets = (text: string): number[] | undefined => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((n) => n <= 255) ? parts : undefined;
};

/**
 * Why the text typed as the VIP (pgpool's delegate_ip) cannot be one, as a sentence that says what to type; undefined
 * when it is fine. Empty keeps the file's delegate_ip. The VIP is an extra address the leader adds: no host of the
 * cluster may already have it.
 */
export function vipInputError(text: string, cluster: ClusterDefinition): string | undefined {
  const v = text.trim();
  if (v === '') return undefined;
  const o = octets(v);
  if (!o) return `${v} is not an IPv4 address: type four numbers 0-255 separated by dots, such as 192.168.1.100 (empty keeps the file's delegate_ip).`;
  if (v === '0.0.0.0' || v === '255.255.255.255') return `${v} cannot be held by a host: type an unused address of the pgpool hosts' subnet.`;
  if (o[0]! >= 224) return `${v} is a multicast or reserved address: type an unused unicast address of the pgpool hosts' subnet.`;
  const taken = [...cluster.pgpool, ...cluster.nodes].find((h) => h.host === v);
  if (taken) return `${v} is ${taken.name}'s own address: the VIP must be an address no host has, so that it can move to the leader.`;
  return undefined;
}

/**
 * SecretStorage key of wd_authkey: what it opens (the pgpool nodes that share it, `host:port` each), never the
 * cluster's name, so another workspace's cluster of the same name does not get it.
 */
export function authkeySecretKey(pgpool: readonly Pick<PgpoolInstance, 'host' | 'port'>[]): string {
  return `watchdog@${pgpool.map((p) => `${p.host}:${p.port}`).join(',')}`;
}
