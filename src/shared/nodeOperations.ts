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
