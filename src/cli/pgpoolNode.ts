/** `pgpool-cluster pgpool start|stop|recover NAME`: one pgpool node of the cluster, as a plan (shown, confirmed, run, audited). */
import type { Command } from 'commander';
import { buildPgpoolNodePlan, PGPOOL_NODE_ACTIONS, probePgpoolNodeFacts, type PgpoolNodeAction } from '../core/ops/handover/pgpoolNode';
import { clusterOptions, openSession, planOptions, refuseShowOrRun, type SetupCliOptions } from './setupCommon';

const DESCRIPTIONS: Record<PgpoolNodeAction, string> = {
  start: 'Start pgpool NAME (stopping orphaned children of a killed pgpool first).',
  stop: 'Stop pgpool NAME; the plan says where the watchdog leadership and the VIP go. pgpool has no other way to change the leader.',
  recover: 'Restart pgpool NAME with -D (discard its saved backend states), stopping it and any orphaned children first.',
};

export function registerPgpoolNodeCommand(program: Command): void {
  const group = program.command('pgpool').description('Start, stop or recover one pgpool node of the cluster (by its name in the cluster file).');
  for (const action of PGPOOL_NODE_ACTIONS) {
    planOptions(clusterOptions(group.command(`${action} <name>`).description(`${DESCRIPTIONS[action]} Exit 0 done, 1 failed, 3 refused, 4 locked.`)))
      .action(async (name: string, opts: SetupCliOptions) => {
        process.exitCode = await runPgpoolNodeCommand(action, name, opts);
      });
  }
}

export async function runPgpoolNodeCommand(action: PgpoolNodeAction, name: string, opts: SetupCliOptions): Promise<number> {
  const s = await openSession(opts);
  try {
    const [status, facts] = await Promise.all([s.status(), probePgpoolNodeFacts(s.cluster, s.env, name)]);
    // pcp (none of these plans uses it) and the audit name the pgpool that leads.
    s.env.choosePgpool(status);
    return await refuseShowOrRun(s, buildPgpoolNodePlan(action, s.cluster, status, name, facts), opts, action === 'start' ? 'yes' : name);
  } finally {
    await s.close();
  }
}
