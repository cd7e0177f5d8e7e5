/** `pgpool-cluster sync [set] ANY n | FIRST n | off`: synchronous_standby_names on every node, enforced by the primary. */
import type { Command } from 'commander';
import { buildSyncPlan, parseSyncSpec } from '../core/ops/setup/syncReplication';
import { CliError } from './errors';
import { clusterOptions, openSession, planOptions, refuseShowOrRun, type SetupCliOptions } from './setupCommon';

export function registerSyncCommand(program: Command): void {
  planOptions(clusterOptions(program.command('sync <mode...>')))
    .description('Synchronous replication: "sync ANY 1" (any one standby confirms each commit), "sync FIRST 2", "sync off". '
      + 'Sets synchronous_standby_names (ALTER SYSTEM + reload) on every node, the primary last, naming each standby by its application_name. '
      + 'Exit 0 done, 1 failed, 3 refused, 4 locked.')
    .action(async (mode: string[], opts: SetupCliOptions) => {
      const words = mode[0]?.toLowerCase() === 'set' ? mode.slice(1) : mode;
      const spec = parseSyncSpec(words);
      if (typeof spec === 'string') throw new CliError(spec, 2);
      const s = await openSession(opts);
      try {
        const built = buildSyncPlan({ cluster: s.cluster, status: await s.status() }, spec);
        process.exitCode = await refuseShowOrRun(s, built, opts, 'yes');
      } finally {
        await s.close();
      }
    });
}
