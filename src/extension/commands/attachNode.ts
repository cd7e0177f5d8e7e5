import type { ExtensionServices } from '../context';
import { runOperationCommand } from './runOperation';

/** pcp_attach_node for the chosen node. */
export function attachNode(services: ExtensionServices, arg?: unknown): Promise<void> {
  return runOperationCommand(services, { kind: 'attach' }, arg);
}
