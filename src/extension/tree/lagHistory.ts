/** Keeps the last N lag samples of every standby so the status panel can draw lag over time. Pure. */
import type { ClusterStatus } from '../../core/status/model';
import type { LagSample } from '../../shared/protocol';

export class LagHistory {
  private readonly samples = new Map<string, LagSample[]>();

  constructor(private readonly capacity = 120) {}

  /** Records one point per standby with a known lag; nodes no longer in the cluster are dropped. */
  record(status: ClusterStatus): void {
    const t = Date.parse(status.refreshedAt) || Date.now();
    const present = new Set<string>();
    for (const node of status.nodes) {
      const key = `${status.name}/${node.name}`;
      present.add(key);
      if (node.role !== 'standby' || !node.lag || (node.lag.bytes === undefined && node.lag.seconds === undefined)) continue;
      const list = this.samples.get(key) ?? [];
      list.push({ t, ...(node.lag.bytes !== undefined ? { bytes: node.lag.bytes } : {}), ...(node.lag.seconds !== undefined ? { seconds: node.lag.seconds } : {}) });
      if (list.length > this.capacity) list.splice(0, list.length - this.capacity);
      this.samples.set(key, list);
    }
    for (const key of [...this.samples.keys()]) {
      if (key.startsWith(`${status.name}/`) && !present.has(key)) this.samples.delete(key);
    }
  }

  /** Node name -> samples, oldest first. */
  forCluster(cluster: string): Record<string, LagSample[]> {
    const out: Record<string, LagSample[]> = {};
    for (const [key, list] of this.samples) {
      if (key.startsWith(`${cluster}/`)) out[key.slice(cluster.length + 1)] = [...list];
    }
    return out;
  }
}
