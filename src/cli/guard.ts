/** `pgpool-cluster guard install|status|remove [NODE]`: the fence guard on each PostgreSQL host (fenceGuard.ts). */
import type { Command } from 'commander';
import type { ClusterDefinition, NodeDefinition } from '../core/inventory/model';
import {
  buildGuardInstallPlan, buildGuardRemovePlan, describeGuardState, guardStatusArgv, parseGuardStatus, type GuardState,
} from '../core/ops/setup/fenceGuard';
import { guardPaths, guardTiming, healthCheckFromPoolStatus, type HealthCheckSettings } from '../core/ops/setup/fenceGuardFacts';
import type { ClusterOpsEnvironment } from '../core/ops/engine/environment';
import { applyDiscovery } from '../core/ops/preflight/discovery';
import { CliError } from './errors';
import { clusterOptions, nodeArgument, openSession, planOptions, refuseShowOrRun, type SetupCliOptions } from './setupCommon';

/** pgpool's health-check settings, read through the first pgpool that answers (SHOW pool_status). */
export async function readHealthCheck(cluster: ClusterDefinition, env: ClusterOpsEnvironment): Promise<HealthCheckSettings | undefined> {
  for (const p of cluster.pgpool) {
    try {
      const hc = healthCheckFromPoolStatus(await env.sql(p.name).query('SHOW pool_status', [], { timeoutMs: 5000 }));
      if (hc) return hc;
    } catch { /* the next pgpool */ }
  }
  return undefined;
}

export interface NodeGuard { readonly node: string; readonly state?: GuardState; readonly error?: string; readonly log: string[] }

/** Each node's guard as its host reports it (the status script over SSH). */
export async function guardStates(cluster: ClusterDefinition, env: ClusterOpsEnvironment, nodes: readonly NodeDefinition[] = cluster.nodes): Promise<NodeGuard[]> {
  return Promise.all(nodes.map(async (n): Promise<NodeGuard> => {
    if (!n.dataDirectory) return { node: n.name, error: 'no dataDirectory in the cluster file', log: [] };
    try {
      const r = await env.remote(n.name).exec(guardStatusArgv(n), { timeoutMs: 10_000 });
      if (r.code !== 0) return { node: n.name, error: `exit ${r.code ?? r.signal ?? 'none'}: ${r.stderr.trim().slice(0, 200)}`, log: [] };
      return { node: n.name, ...parseGuardStatus(r.stdout) };
    } catch (err) {
      return { node: n.name, error: err instanceof Error ? err.message : String(err), log: [] };
    }
  }));
}

export function registerGuardCommand(program: Command): void {
  planOptions(clusterOptions(program.command('guard <action> [node]')))
    .description('The fence guard on each PostgreSQL host: "guard install" writes and starts it (systemd when the host has it and sudo needs no password, '
      + 'else detached), "guard status" shows whether it runs and its last lines, "guard remove" stops and removes it. Every second a primary that pgpool '
      + 'has failed over away from stops itself, and so does one cut off from pgpool and every standby for longer than a bound derived from pgpool\'s health check. '
      + 'NODE limits it to one node. Exit 0 done, 1 failed, 2 usage, 3 refused, 4 locked.')
    .action(async (action: string, nodeName: string | undefined, opts: SetupCliOptions) => {
      if (!['install', 'status', 'remove'].includes(action)) throw new CliError(`Unknown guard action "${action}": use install, status or remove.`, 2);
      const s = await openSession(opts);
      try {
        const node = nodeName ? nodeArgument(s.cluster, nodeName) : undefined;
        if (action === 'status') {
          const hc = await readHealthCheck(s.cluster, s.env);
          const timing = guardTiming(hc);
          const states = await guardStates(s.cluster, s.env, node ? [node] : s.cluster.nodes);
          if (opts.json) {
            process.stdout.write(`${JSON.stringify({ timing, nodes: states }, null, 2)}\n`);
          } else {
            process.stdout.write(`bound: ${timing.boundS} s (${timing.explanation})\n`);
            for (const g of states) {
              process.stdout.write(`${g.node}: ${g.state ? describeGuardState(g.state) : `unknown (${g.error ?? '?'})`}${g.state && g.state.state !== 'absent' ? `; log ${guardPaths(s.cluster.nodes.find((n) => n.name === g.node)!).log}` : ''}\n`);
              for (const l of g.log) process.stdout.write(`    ${l}\n`);
            }
          }
          process.exitCode = states.every((g) => g.state?.state === 'running') ? 0 : 1;
          return;
        }
        const status = await s.status();
        // Program directories the cluster file leaves out: the guard calls pg_ctl and psql by absolute path.
        const cluster = action === 'install' ? applyDiscovery(s.cluster, await s.env.discover(status)) : s.cluster;
        const input = { cluster, status };
        const only = node ? cluster.nodes.find((n) => n.name === node.name) : undefined;
        const built = action === 'install' ? buildGuardInstallPlan(input, await readHealthCheck(s.cluster, s.env), only) : buildGuardRemovePlan(input, only);
        process.exitCode = await refuseShowOrRun(s, built, opts, 'yes');
      } finally {
        await s.close();
      }
    });
}
