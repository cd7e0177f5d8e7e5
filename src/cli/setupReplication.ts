/** `pgpool-cluster setup-replication NODE [--method basebackup|copy] [--slot NAME]`: make NODE a streaming standby of the primary. */
import type { Command } from 'commander';
import { applyDiscovery } from '../core/ops/preflight/discovery';
import { COPY_METHODS, type CopyMethod } from '../core/ops/engine/input';
import { nodeIn, withDiscovery } from '../core/ops/engine/operation';
import { buildSetupReplicationPlan, probeSetupReplicationFacts } from '../core/ops/setup/setupReplication';
import { parseSyncSpec, withSyncSteps } from '../core/ops/setup/syncReplication';
import { CliError } from './errors';
import { clusterOptions, nodeArgument, openSession, planOptions, refuseShowOrRun, type SetupCliOptions } from './setupCommon';

export function registerSetupReplicationCommand(program: Command): void {
  planOptions(clusterOptions(program.command('setup-replication <node>')))
    .description('Make NODE a streaming standby of the primary (settings, role, pg_hba, copy of the primary, standby config, attach). '
      + 'The replication password (optional when the role exists) comes from $PGPOOL_CLUSTER_REPLICATION_PASSWORD or a prompt. Exit 0 done, 1 failed, 3 refused, 4 locked.')
    .option('--method <method>', `how to copy the primary: ${COPY_METHODS.join(' | ')} (default: basebackup when the node's pg_basebackup is as new as the server, else copy)`)
    .option('--slot <name>', 'create and use this physical replication slot')
    .option('--sync [mode]', 'then make replication synchronous: "ANY n" or "FIRST n" (quoted; default ANY 1), as "pgpool-cluster sync" does')
    .action(async (name: string, opts: SetupCliOptions & { slot?: string; method?: string; sync?: string | boolean }) => {
      const sync = opts.sync === undefined ? undefined : parseSyncSpec(opts.sync === true ? 'ANY 1' : String(opts.sync));
      if (typeof sync === 'string') throw new CliError(`--sync: ${sync}`, 2);
      if (sync?.method === 'off') throw new CliError('--sync: off is not a synchronous mode; leave --sync out (or run "pgpool-cluster sync off").', 2);
      if (opts.method !== undefined && !(COPY_METHODS as readonly string[]).includes(opts.method)) {
        throw new CliError(`--method must be one of ${COPY_METHODS.join(', ')}, not "${opts.method}".`, 2);
      }
      const method = opts.method as CopyMethod | undefined;
      const s = await openSession(opts);
      try {
        const node = nodeArgument(s.cluster, name);
        const user = s.cluster.replication.user ?? 'replicator';
        const replicationPassword = await s.secrets.getSecret({
          kind: 'replication-password', key: `${s.cluster.name}:${user}`, prompt: `Password for the replication role ${user} (empty: keep the current one)`,
        });
        const status = await s.status();
        // Program and data directories the cluster file leaves out come from the hosts (shown in the plan).
        const discovered = await s.env.discover(status);
        const cluster = applyDiscovery(s.cluster, discovered);
        const target = nodeIn(cluster, s.cluster, node);
        const facts = method ? {} : await probeSetupReplicationFacts(target, s.env);
        const setup = withDiscovery(buildSetupReplicationPlan({ cluster, status, facts }, target, {
          ...(method ? { method } : {}), ...(opts.slot ? { slot: opts.slot } : {}), ...(replicationPassword ? { replicationPassword } : {}),
        }), discovered);
        const built = sync && setup.ok ? withSyncSteps(setup, { cluster, status }, sync, [setup.plan.node]) : setup;
        process.exitCode = await refuseShowOrRun(s, built, opts, built.ok ? built.plan.node : '');
      } finally {
        await s.close();
      }
    });
}
