/** The setup subcommands: check, configure-pgpool (more are registered here as they land). */
import type { Command } from 'commander';
import { registerCheckCommand } from './check';
import { registerConfigurePgpoolCommand } from './configurePgpool';
import { registerSetupReplicationCommand } from './setupReplication';
import { registerSetupSshTrustCommand } from './setupSshTrust';
import { registerSyncCommand } from './syncReplication';
import { registerGuardCommand } from './guard';

export function registerSetupCommands(program: Command): void {
  registerCheckCommand(program);
  registerConfigurePgpoolCommand(program);
  registerSetupReplicationCommand(program);
  registerSetupSshTrustCommand(program);
  registerSyncCommand(program);
  registerGuardCommand(program);
}
