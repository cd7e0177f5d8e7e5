/** Attach / detach a node in pgpool (pcp_attach_node / pcp_detach_node). */
import type { NodeDefinition } from '../../inventory/model';
import { nodeStatus, pgpoolPrimaryNode, resolveVersions, type OpsInput } from '../engine/input';
import { refuse, type PlanResult } from '../engine/plan';
import { attachStep, detachStep, pgpoolDown, pgpoolUp } from '../engine/steps';

export function buildAttachPlan(input: OpsInput, node: NodeDefinition): PlanResult {
  const { cluster, status } = input;
  const ns = nodeStatus(status, node);
  if (ns?.pgpool && (ns.pgpool.status === 'up' || ns.pgpool.status === 'waiting')) return refuse(`pgpool already lists ${node.name} as ${ns.pgpool.status}.`);
  const warnings: string[] = [];
  if (!ns?.postgres.reachable) warnings.push(`${node.name} does not answer; pgpool will mark it down again at its next health check. Recover it instead.`);
  const pgpoolPrimary = pgpoolPrimaryNode(input);
  if (ns?.postgres.reachable && ns.postgres.role === 'primary' && pgpoolPrimary && pgpoolPrimary !== node) {
    return refuse(`${node.name} runs as a primary while pgpool's primary is ${pgpoolPrimary.name}: attaching it would route writes to two primaries. Recover it ("pgpool-cluster recover ${node.name}").`);
  }
  if (ns?.postgres.reachable && ns.postgres.role === 'standby' && ns.postgres.walReceiverStatus !== 'streaming') {
    warnings.push(`${node.name} is a standby but does not stream; pgpool will serve stale reads from it.`);
  }
  return {
    ok: true,
    plan: {
      operation: 'attach', cluster: cluster.name, node: node.name, destructive: false, versions: resolveVersions(cluster, status), warnings,
      summary: `Attach ${node.name} (node ${node.id}) in pgpool so it serves queries again. pgpool drops client connections when a node is attached.`,
      steps: [attachStep(node, 'pgpool sends it queries again only once it is attached.')], verify: [pgpoolUp(node.id)],
    },
  };
}

export function buildDetachPlan(input: OpsInput, node: NodeDefinition): PlanResult {
  const { cluster, status } = input;
  const ns = nodeStatus(status, node);
  if (ns?.pgpool?.status === 'down') return refuse(`pgpool already lists ${node.name} as down.`);
  const isPrimary = ns?.pgpool?.role === 'primary';
  const warnings = isPrimary
    ? [`${node.name} is pgpool's primary: detaching it runs pgpool's failover_command, which promotes a standby while ${node.name} may keep running. Prefer "switchover".`]
    : [];
  return {
    ok: true,
    plan: {
      operation: 'detach', cluster: cluster.name, node: node.name, destructive: isPrimary, versions: resolveVersions(cluster, status), warnings,
      summary: `Detach ${node.name} (node ${node.id}) from pgpool: PostgreSQL keeps running, pgpool stops sending it queries.`,
      steps: [detachStep(node, 'Take the node out of pgpool (maintenance, or before recovering it).', isPrimary)],
      verify: [pgpoolDown(node.id, 10_000)],
    },
  };
}
