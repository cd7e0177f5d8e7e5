import type { OperationOutcome } from '../../shared/protocol';
import type { ExtensionServices } from '../context';
import { runOperationCommand } from './runOperation';

/** pcp_attach_node for the chosen node. */
export function attachNode(services: ExtensionServices, arg?: unknown): Promise<OperationOutcome> {
  return runOperationCommand(services, { kind: 'attach' }, arg);
}
