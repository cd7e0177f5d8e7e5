/**
 * The one rule for what a node offers. The tree writes it into each node's contextValue (`+can-<op>` flags that
 * the package.json menus match), and the status panel enables its buttons from it; a unit test enumerates every
 * state and checks that menus, contextValue and this rule agree. The core still decides on fresh status whether
 * a plan can run: this only keeps the editor from offering what cannot make sense.
 */
import type { NodeOperation } from './protocol';
import type { NodeStateView } from './statusView';

/** The facts the rule reads; the core's NodeStatus has this shape. */
export type NodeFacts = Pick<NodeStateView, 'role' | 'status' | 'detached' | 'problems'> & { readonly postgres: { readonly reachable: boolean } };

const running = (n: NodeFacts): boolean => n.status === 'up' || n.status === 'waiting';

/** It answers as a primary while another node is the primary (pgpool's or a second one). */
export function isFalsePrimary(n: NodeFacts): boolean {
  return n.role === 'primary' && (n.problems.includes('false-primary') || n.problems.includes('split-brain'));
}

/** What the rule knows beyond the node's own status: it answered as the primary when last seen (the tree remembers). */
export interface NodeHistory { readonly wasPrimary?: boolean }

export function applicableOperations(node: NodeFacts, history: NodeHistory = {}): NodeOperation[] {
  const ops: NodeOperation[] = [];
  const reachable = node.postgres.reachable;
  const falsePrimary = isFalsePrimary(node);
  // Promote and switchover need a standby that runs and that pgpool uses.
  if (node.role === 'standby' && reachable && running(node) && !node.detached) ops.push('promote', 'switchover');
  // Recover rebuilds a node as a standby of the primary: a dead node, a detached standby, a false primary, a
  // standby that no longer streams. Never the one primary that works.
  const broken = !reachable || node.status === 'down' || node.status === 'quarantine' || node.status === 'unreachable';
  const strayStandby = node.role === 'standby' && (node.problems.includes('not-streaming') || node.problems.includes('timeline-mismatch'));
  if ((broken && (node.role !== 'primary' || !reachable)) || falsePrimary || strayStandby) ops.push('recover');
  // Attach brings back a node pgpool dropped while PostgreSQL still answers; never a dead one, never a false primary.
  if (node.detached && reachable && !falsePrimary) ops.push('attach');
  if (running(node) && !node.detached) ops.push('detach');
  // Fence: a writable node that is not pgpool's primary, or a former primary that is down (it may come back writable).
  if ((reachable && falsePrimary) || (!reachable && history.wasPrimary === true)) ops.push('fence');
  return ops;
}

/** The contextValue flag for an operation, e.g. `+can-promote`; menus match `/\+can-promote(\+|$)/`. */
export const canFlag = (op: NodeOperation): string => `can-${op}`;

/** The `when` clause of the tree's context-menu entry for an operation. */
export function operationWhenClause(viewId: string, op: NodeOperation): string {
  return `view == ${viewId} && viewItem =~ /^node\\+.*\\+${canFlag(op)}(\\+|$)/`;
}

/** What a pgpool node row of a watchdog cluster offers: the same one-rule-for-menus as the nodes, `+can-<op>` flags. */
export type PgpoolOperation = 'start' | 'stop' | 'recover';
export const PGPOOL_OPERATIONS: readonly PgpoolOperation[] = ['start', 'stop', 'recover'];
export const PGPOOL_OPERATION_COMMANDS: Readonly<Record<PgpoolOperation, string>> = {
  start: 'pgpoolCluster.startPgpool',
  stop: 'pgpoolCluster.stopPgpool',
  recover: 'pgpoolCluster.recoverPgpool',
};

/** The facts the pgpool rule reads; the core's PgpoolStatus has this shape. */
export interface PgpoolFacts { readonly reachable: boolean; readonly watchdog?: { readonly role: string } }

/** Watchdog roles of a pgpool that no longer takes part: its parent is gone (orphaned children may still answer). */
const OUT_OF_WATCHDOG = new Set(['SHUTDOWN', 'LOST', 'DEAD', 'NO-CONTACT', 'NO CONTACT']);

/**
 * Only pgpool nodes of a watchdog cluster (with a watchdog role) are operated from the tree: stop a member that
 * runs (on the leader this moves the leadership and the VIP), start one that is stopped or orphaned, recover either.
 */
export function applicablePgpoolOperations(p: PgpoolFacts | undefined): PgpoolOperation[] {
  if (!p?.watchdog) return [];
  const role = p.watchdog.role.toUpperCase();
  const ops: PgpoolOperation[] = [];
  if (!p.reachable || OUT_OF_WATCHDOG.has(role)) ops.push('start');
  if (p.reachable && (role === 'LEADER' || role === 'STANDBY')) ops.push('stop');
  ops.push('recover');
  return ops;
}

/** The `when` clause of a pgpool row's context-menu entry, e.g. `viewItem =~ /^pgpool\+.*\+can-stop(\+|$)/`. */
export function pgpoolOperationWhenClause(viewId: string, op: PgpoolOperation): string {
  return `view == ${viewId} && viewItem =~ /^pgpool\\+.*\\+can-${op}(\\+|$)/`;
}

/** The problems that offer Fence on their own line (status panel): two writable nodes, or one pgpool does not route to. */
export const FENCE_PROBLEMS: readonly string[] = ['split-brain', 'false-primary'];

type FenceNode = NodeFacts & { readonly name: string; readonly pgpool?: { readonly role: string; readonly status: string } };

/**
 * The nodes a split-brain or false-primary problem offers to Fence: its nodes the node rule offers Fence to, except
 * the one pgpool sends writes to (its primary, up): that one is kept. Empty for every other problem.
 */
export function fenceTargets(problem: { readonly code: string; readonly nodes: readonly string[] }, nodes: readonly FenceNode[]): string[] {
  if (!FENCE_PROBLEMS.includes(problem.code)) return [];
  const writeTarget = nodes.find((n) => n.pgpool?.role === 'primary' && (n.pgpool.status === 'up' || n.pgpool.status === 'waiting'))?.name;
  return problem.nodes.filter((name) => {
    const n = nodes.find((x) => x.name === name);
    return n !== undefined && name !== writeTarget && applicableOperations(n).includes('fence');
  });
}
