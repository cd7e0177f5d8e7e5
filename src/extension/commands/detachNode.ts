import type { OperationOutcome } from '../../shared/protocol';
import type { ExtensionServices } from '../context';
import { runOperationCommand } from './runOperation';

/** pcp_detach_node for the chosen node (confirmation names the node when it is the primary). */
export function detachNode(services: ExtensionServices, arg?: unknown): Promise<OperationOutcome> {
  return runOperationCommand(services, { kind: 'detach' }, arg);
}
