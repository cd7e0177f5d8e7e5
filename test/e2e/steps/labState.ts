// What the lab steps share: the lab's definition, the SQL view of it, and what the promote step changed.
import type { ClusterDefinition } from '../../../src/core/inventory/model';
import { labCluster, primaryAndUpStandbys, waitUntil } from '../../harness/labCluster';
import { labClusterFile } from '../../harness/paths';

export const promotion: { oldPrimary?: string; promoted?: string } = {};

let cached: ClusterDefinition | undefined;
export async function lab(): Promise<ClusterDefinition> {
  cached ??= await labCluster(labClusterFile);
  return cached;
}

/** Other suites share the lab: wait until PostgreSQL and pgpool agree on one primary and a standby is up. */
export async function settledLab(timeoutMs = 60_000): Promise<{ primary: string; standbys: string[] }> {
  const c = await lab();
  return waitUntil('one primary and a standby up in pgpool', async () => {
    const s = await primaryAndUpStandbys(c);
    return s && s.standbys.length > 0 ? s : undefined;
  }, timeoutMs);
}
