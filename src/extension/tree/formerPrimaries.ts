/**
 * Remembers which node was last seen as the primary, so a failed former primary reads "down (was primary)"
 * even after pgpool's failover relabels it a standby. Pure; fed each refresh by the ClusterModel.
 */
import type { ClusterStatus, NodeStatus } from '../../core/status/model';

export class FormerPrimaries {
  /** cluster -> node names last seen answering as a primary, or listed by pgpool as its primary. */
  private readonly seen = new Map<string, Set<string>>();

  record(status: ClusterStatus): void {
    const set = this.seen.get(status.name) ?? new Set<string>();
    for (const n of status.nodes) {
      if (n.postgres.reachable) {
        if (n.postgres.role === 'primary') set.add(n.name);
        else set.delete(n.name);
      } else if (n.pgpool?.role === 'primary') {
        set.add(n.name);
      }
    }
    const present = new Set(status.nodes.map((n) => n.name));
    for (const name of [...set]) if (!present.has(name)) set.delete(name);
    this.seen.set(status.name, set);
  }

  /** True for a node that does not answer now and was the primary when last seen answering. */
  wasPrimary(cluster: string, node: NodeStatus | undefined): boolean {
    return node !== undefined && !node.postgres.reachable && (this.seen.get(cluster)?.has(node.name) ?? false);
  }
}
