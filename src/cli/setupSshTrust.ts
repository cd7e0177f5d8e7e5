/** `pgpool-cluster setup-ssh-trust`: keys, authorized_keys and known_hosts for every hop pgpool's scripts need, proven. */
import type { Command } from 'commander';
import { prepareSshTrustPlan, withPcpPassEntry } from '../core/ops/setup/sshTrust';
import { clusterOptions, openSession, planOptions, refuseShowOrRun, type SetupCliOptions } from './setupCommon';

export function registerSetupSshTrustCommand(program: Command): void {
  planOptions(clusterOptions(program.command('setup-ssh-trust')))
    .description('As the PostgreSQL OS user: create key pairs where missing, authorize them and add verified host keys for every SSH hop '
      + "pgpool's scripts need (pgpool host -> nodes, node <-> node), then prove each hop with BatchMode. Re-running changes nothing. "
      + 'With a pcp password ($PGPOOL_CLUSTER_PCP_PASSWORD or a prompt) it also stores it in the pgpool host\'s own .pcppass. '
      + 'Exit 0 done, 1 failed, 3 refused, 4 locked.')
    .action(async (opts: SetupCliOptions) => {
      const s = await openSession(opts);
      try {
        const inst = s.cluster.pgpool[0];
        // Optional: the pgpool host's own .pcppass entry for follow_primary's pcp, from the env or a prompt.
        const pcpPassword = inst ? await s.secrets.getSecret({
          kind: 'pcp-password', key: `${s.cluster.name}:${inst.pcpUser ?? 'pgpool'}`,
          prompt: `pcp password of ${inst.pcpUser ?? 'pgpool'} to store in ${inst.name}'s .pcppass (empty: leave it as it is)`,
        }) : undefined;
        const built = withPcpPassEntry(await prepareSshTrustPlan({ cluster: s.cluster, status: await s.status() }, s.env), s.cluster, pcpPassword);
        process.exitCode = await refuseShowOrRun(s, built, opts, 'yes');
      } finally {
        await s.close();
      }
    });
}
