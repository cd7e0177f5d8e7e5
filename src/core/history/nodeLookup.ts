import type { ClusterDefinition } from '../inventory/model';

/** Finds a node's cluster-file name from what a log says of it: a backend id, or a host and port. */
export interface NodeLookup {
  byId(id: number): string | undefined;
  byHost(host: string, port?: number): string | undefined;
}

export function nodeLookup(cluster: Pick<ClusterDefinition, 'nodes'>): NodeLookup {
  const ids = new Map(cluster.nodes.map((n) => [n.id, n.name]));
  const hosts = new Map(cluster.nodes.map((n) => [`${n.host}:${n.port}`, n.name]));
  const hostOnly = new Map<string, string | null>();
  for (const n of cluster.nodes) hostOnly.set(n.host, hostOnly.has(n.host) ? null : n.name);
  return {
    byId: (id) => ids.get(id),
    byHost: (host, port) => (port !== undefined ? hosts.get(`${host}:${port}`) : undefined) ?? hostOnly.get(host) ?? undefined,
  };
}
