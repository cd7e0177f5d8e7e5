import type { OperationOutcome } from '../../shared/protocol';
import type { ExtensionServices } from '../context';
import { runOperationCommand } from './runOperation';

/** Stops a false or former primary so no client can write to it (the split-brain problem offers it too). */
export function fenceNode(services: ExtensionServices, arg?: unknown): Promise<OperationOutcome> {
  return runOperationCommand(services, { kind: 'fence' }, arg);
}
