/** Which operations make sense for a node in its current state; the panel enables buttons from this. */
import type { NodeStatus } from '../core/status/model';
import type { NodeOperation } from './protocol';

export function applicableOperations(node: Pick<NodeStatus, 'role' | 'status' | 'detached'>): NodeOperation[] {
  const ops: NodeOperation[] = [];
  const running = node.status === 'up' || node.status === 'waiting';
  if (node.role === 'standby' && running && !node.detached) ops.push('promote');
  if (node.role !== 'primary' && (node.status === 'down' || node.status === 'unreachable' || node.status === 'quarantine')) ops.push('recover');
  if (node.detached || node.status === 'quarantine') ops.push('attach');
  if (running && !node.detached) ops.push('detach');
  return ops;
}
