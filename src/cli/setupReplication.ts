/** `pgpool-cluster setup-replication NODE [--method basebackup|copy] [--slot NAME]`: make NODE a streaming standby of the primary. */
import type { Command } from 'commander';
import { COPY_METHODS, type CopyMethod } from '../core/ops/input';
import { buildSetupReplicationPlan, probeSetupReplicationFacts } from '../core/ops/setupReplication';
import { CliError } from './errors';
import { openSession, refuseShowOrRun, type SetupCliOptions } from './setupCommon';

export function registerSetupReplicationCommand(program: Command): void {
  program.command('setup-replication <node>')
    .description('Make NODE a streaming standby of the primary (settings, role, pg_hba, copy of the primary, standby config, attach). '
      + 'The replication password (optional when the role exists) comes from $PGPOOL_CLUSTER_REPLICATION_PASSWORD or a prompt. Exit 0 done, 1 failed, 3 refused, 4 locked.')
    .option('-c, --cluster <name>', 'the cluster (needed when the file has several)')
    .option('-f, --file <path>', 'cluster file (default: $PGPOOL_CLUSTER_FILE, else ./pgpool-cluster.yaml)')
    .option('--method <method>', `how to copy the primary: ${COPY_METHODS.join(' | ')} (default: basebackup when the node's pg_basebackup is as new as the server, else copy)`)
    .option('--slot <name>', 'create and use this physical replication slot')
    .option('--dry-run', 'print the plan and change nothing')
    .option('-y, --yes', 'do not ask before running')
    .option('--json', 'machine-readable plan (with --dry-run) or outcome')
    .option('--accept-new-host-keys', 'remember unknown SSH host keys instead of refusing them')
    .action(async (node: string, opts: SetupCliOptions & { slot?: string; method?: string }) => {
      if (opts.method !== undefined && !(COPY_METHODS as readonly string[]).includes(opts.method)) {
        throw new CliError(`--method must be one of ${COPY_METHODS.join(', ')}, not "${opts.method}".`, 2);
      }
      const method = opts.method as CopyMethod | undefined;
      const s = await openSession(opts);
      try {
        const user = s.cluster.replication.user ?? 'replicator';
        const replicationPassword = await s.secrets.getSecret({
          kind: 'replication-password', key: `${s.cluster.name}:${user}`, prompt: `Password for the replication role ${user} (empty: keep the current one)`,
        });
        const [status, facts] = await Promise.all([s.status(), method ? {} : probeSetupReplicationFacts(s, s.env, node)]);
        const built = buildSetupReplicationPlan({ cluster: s.cluster, status, facts }, node, {
          ...(method ? { method } : {}), ...(opts.slot ? { slot: opts.slot } : {}), ...(replicationPassword ? { replicationPassword } : {}),
        });
        process.exitCode = await refuseShowOrRun(s, built, opts, built.ok ? built.plan.node : '');
      } finally {
        await s.close();
      }
    });
}
