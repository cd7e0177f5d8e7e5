/** `pgpool-cluster configure-pgpool`: edit the files pgpool runs with (managed lines only), lint, diff, deploy with backups, reload. */
import type { Command } from 'commander';
import { buildConfigurePgpoolPlan, readCurrentFiles, type ProfileName } from '../core/ops/setup/configurePgpool';
import { applyDiscovery } from '../core/ops/preflight/discovery';
import { withDiscovery } from '../core/ops/engine/operation';
import { pgpoolInstance } from '../core/ops/setup/configurePgpoolInput';
import { planToJson, renderPlan } from '../core/ops/engine/plan';
import { CliError } from './errors';
import { clusterOptions, confirmAndRun, openSession, type SetupCliOptions } from './setupCommon';

interface ConfigureOptions extends SetupCliOptions { profile?: string; pgpoolVersion?: string; diff?: boolean; pgpool?: string; vip?: string; failoverMaxLag?: string }

const PROFILES: readonly ProfileName[] = ['fast', 'balanced', 'conservative'];

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** "16MB", "512kB", "1048576": bytes (PostgreSQL's units, powers of 1024); null when it is no such size. */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+)\s*([kmg]?b)?\s*$/i.exec(text);
  const unit = UNITS[(m?.[2] ?? '').toLowerCase()];
  return m && unit !== undefined ? Number(m[1]) * unit : null;
}

export function registerConfigurePgpoolCommand(program: Command): void {
  clusterOptions(program.command('configure-pgpool'))
    .description('Edit the pgpool.conf pgpool runs with (found from its command line on the pgpool host; the cluster file\'s configFile overrides): '
      + 'only the parameters pgpool-cluster manages change, every other line stays; pool_hba.conf and pcp.conf keep their rules and users; '
      + 'the failover/recovery scripts are generated. Refuses when the current pgpool.conf has errors; shows each change and the diff; deploys with backups; reloads. '
      + 'The pcp password comes from $PGPOOL_CLUSTER_PCP_PASSWORD or a prompt (pcp.conf and .pcppass are kept as they are without it). Exit 0 done, 1 failed, 3 refused, 4 locked.')
    .option('--profile <name>', 'failure detection profile: fast | balanced | conservative', 'fast')
    .option('--pgpool-version <v>', 'target pgpool-II version (default: the cluster file, else what pgpool reports)')
    .option('--pgpool <name>', 'with several pgpool instances (watchdog): the one to configure, by its cluster file name (default the first); run once per instance')
    .option('--vip <address>', 'watchdog: the virtual IP the leader holds (delegate_ip); default the one in the file. wd_authkey comes from $PGPOOL_CLUSTER_WD_AUTHKEY or a prompt')
    .option('--failover-max-lag <size>', 'automatic failover refuses a standby further behind than this (bytes, or with kB/MB/GB; default 16MB)')
    .option('--dry-run', 'print the diff and the plan; change nothing')
    .option('--diff', 'print the diff against the files on the hosts')
    .option('-y, --yes', 'do not ask before deploying')
    .option('--json', 'machine-readable plan (with --dry-run) or outcome')
    .action(async (opts: ConfigureOptions) => { process.exitCode = await runConfigurePgpool(opts); });
}

export async function runConfigurePgpool(opts: ConfigureOptions): Promise<number> {
  const profile = (opts.profile ?? 'fast') as ProfileName;
  if (!PROFILES.includes(profile)) throw new CliError(`--profile must be one of ${PROFILES.join(', ')}.`, 2);
  if (opts.pgpoolVersion !== undefined && !/^\d+\.\d+(\.\d+)?$/.test(opts.pgpoolVersion)) throw new CliError('--pgpool-version must look like 4.3 or 4.3.5.', 2);
  if (opts.vip !== undefined && !/^\d{1,3}(\.\d{1,3}){3}$/.test(opts.vip)) throw new CliError('--vip must be an IPv4 address such as 192.168.1.100.', 2);
  const maxLag = opts.failoverMaxLag === undefined ? undefined : parseSize(opts.failoverMaxLag);
  if (maxLag === null) throw new CliError('--failover-max-lag must be a size such as 16MB, 512kB or 1048576 (bytes).', 2);
  const s = await openSession(opts);
  try {
    let inst;
    try { inst = pgpoolInstance(s.cluster, opts.pgpool).inst; } catch (err) { throw new CliError((err as Error).message, 2); }
    const watchdog = s.cluster.pgpool.length > 1;
    // wd_authkey: a secret like the pcp password (never on the command line); empty keeps the file's.
    const authkey = watchdog ? await s.secrets.getSecret({
      kind: 'wd-authkey', key: `${s.cluster.name}:watchdog`,
      prompt: `wd_authkey shared by the ${s.cluster.pgpool.length} pgpool nodes of ${s.cluster.name} (empty: keep the file's)`,
    }) : undefined;
    const pcpPassword = await s.secrets.getSecret({
      kind: 'pcp-password', key: `${s.cluster.name}:${inst.pcpUser ?? 'pgpool'}`,
      prompt: `pcp password for ${inst.pcpUser ?? 'pgpool'} on ${inst.name} (empty: keep pcp.conf as it is)`,
    });
    const options = {
      profile, ...(opts.pgpoolVersion ? { pgpoolVersion: opts.pgpoolVersion } : {}), ...(pcpPassword ? { pcpPassword } : {}),
      ...(opts.pgpool ? { pgpool: opts.pgpool } : {}),
      ...(watchdog ? { watchdog: { ...(opts.vip ? { vip: opts.vip } : {}), ...(authkey ? { authkey } : {}) } } : {}),
      ...(maxLag !== undefined ? { failoverMaxLagBytes: maxLag } : {}),
    };
    const status = await s.status();
    // Program and data directories the cluster file leaves out come from the hosts (psql for the extension, the scripts' PGBIN).
    const discovered = await s.env.discover(status);
    const target = { cluster: applyDiscovery(s.cluster, discovered), status, options };
    const built = withDiscovery(buildConfigurePgpoolPlan(target, await readCurrentFiles(target, s.env)), discovered);
    if (!built.ok) {
      if (opts.json) process.stdout.write(`${JSON.stringify({ error: { code: 'refused', message: built.reason }, diagnostics: built.diagnostics ?? [] }, null, 2)}\n`);
      else process.stderr.write(`pgpool-cluster: refused: ${built.reason}\n`);
      return 3;
    }
    if (!pcpPassword) process.stderr.write('pgpool-cluster: no pcp password given: pcp.conf and .pcppass are left as they are.\n');
    const pcp = await s.env.planPcpEndpoint();
    if (opts.dryRun) {
      if (opts.json) process.stdout.write(`${JSON.stringify({ paths: built.paths, changes: built.changes, diff: built.diff, restartParams: built.restartParams, plan: planToJson(built.plan, pcp) }, null, 2)}\n`);
      else process.stdout.write(`${built.diff || '(no differences)\n'}\n${renderPlan(built.plan, pcp)}`);
      return 0;
    }
    if (opts.diff && !opts.json) process.stdout.write(built.diff || '(no differences)\n');
    if (built.plan.steps.length === 0) {
      process.stdout.write('Nothing to do: the files on the hosts already hold what pgpool-cluster manages.\n');
      return 0;
    }
    const code = await confirmAndRun(s, built.plan, opts, 'yes');
    if (code === 0 && built.restartParams.length) {
      process.stdout.write(`Restart pgpool for: ${built.restartParams.join(', ')} (a reload ignores them).\n`);
    }
    return code;
  } finally {
    await s.close();
  }
}
