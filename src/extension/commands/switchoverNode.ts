import type { OperationOutcome } from '../../shared/protocol';
import type { ExtensionServices } from '../context';
import { runOperationCommand } from './runOperation';

/** Planned switchover to the chosen standby, with no lost acknowledged write. */
export function switchoverNode(services: ExtensionServices, arg?: unknown): Promise<OperationOutcome> {
  return runOperationCommand(services, { kind: 'switchover' }, arg);
}
