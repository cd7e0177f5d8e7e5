/** `pgpool-cluster check`: the read-only preflight matrix. Exit 0 when every check passes, 1 otherwise. */
import type { Command } from 'commander';
import { checkCluster } from '../core/ops/preflight/checkCluster';
import { renderCheckReport } from '../core/ops/preflight/checkClusterReport';
import { clusterOptions, openSession, type SetupCliOptions } from './setupCommon';

export function registerCheckCommand(program: Command): void {
  clusterOptions(program.command('check'))
    .description('Preflight (read-only): SSH hops, PostgreSQL and replication reachability between the hosts, versions, settings, '
      + 'the pgpool_recovery extension, scripts, pcp. Exit 0 all pass, 1 something fails.')
    .option('--json', 'machine-readable report')
    .action(async (opts: SetupCliOptions) => {
      const s = await openSession(opts);
      try {
        const report = await checkCluster(s.cluster, await s.status(), s.env);
        process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderCheckReport(report));
        process.exitCode = report.ok ? 0 : 1;
      } finally {
        await s.close();
      }
    });
}
