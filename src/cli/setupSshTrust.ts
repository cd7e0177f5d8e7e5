/** `pgpool-cluster setup-ssh-trust`: keys, authorized_keys and known_hosts for every hop pgpool's scripts need, proven. */
import type { Command } from 'commander';
import { prepareSshTrustPlan } from '../core/ops/sshTrust';
import { clusterOptions, openSession, planOptions, refuseShowOrRun, type SetupCliOptions } from './setupCommon';

export function registerSetupSshTrustCommand(program: Command): void {
  planOptions(clusterOptions(program.command('setup-ssh-trust')))
    .description('As the PostgreSQL OS user: create key pairs where missing, authorize them and add verified host keys for every SSH hop '
      + "pgpool's scripts need (pgpool host -> nodes, node <-> node), then prove each hop with BatchMode. Re-running changes nothing. "
      + 'Exit 0 done, 1 failed, 3 refused, 4 locked.')
    .action(async (opts: SetupCliOptions) => {
      const s = await openSession(opts);
      try {
        const built = await prepareSshTrustPlan({ cluster: s.cluster, status: await s.status() }, s.env);
        process.exitCode = await refuseShowOrRun(s, built, opts, 'yes');
      } finally {
        await s.close();
      }
    });
}
