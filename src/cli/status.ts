/** `pgpool-cluster status`: the merged cluster model as a table or JSON; exit 0 healthy, 1 degraded, 2 unreachable/usage. */
import type { Command } from 'commander';
import { loadClusterFile, resolveClusterFilePath, selectClusters } from '../core/inventory/load';
import { readSshConfigText } from '../core/remote/sshConfigFile';
import { warmIdentities } from '../core/remote/sshConnect';
import { resolveSshTarget } from '../core/remote/sshConfig';
import { SshPool } from '../core/remote/sshPool';
import { StatusCollector } from '../core/status/collector';
import { operationLockHolder } from '../core/ops/engine/lockHolder';
import { HistoryStore, historyDir } from '../core/history/store';
import { recordStatus } from '../core/history/statusTransitions';
import type { ClusterStatus } from '../core/status/model';
import { CliError, clusterFileError } from './errors';
import { CliSecretProvider } from './secrets';
import { EXIT_FOR_HEALTH, statusToJson, statusToTable } from './statusFormat';

interface StatusOptions {
  cluster?: string;
  file?: string;
  json?: boolean;
  timeout: string;
  acceptNewHostKeys?: boolean;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('Show each node\'s role, status and lag as pgpool-II and PostgreSQL see them. Exit 0 healthy, 1 degraded, 2 unreachable.')
    .option('-c, --cluster <name>', 'only this cluster of the file')
    .option('-f, --file <path>', 'cluster file (default: $PGPOOL_CLUSTER_FILE, else ./pgpool-cluster.yaml)')
    .option('--json', 'print JSON: {"clusters":[{"name","pgpool","nodes":[...],"problems":[...]}]}; with several pgpool nodes "pgpool" is a list and "watchdog" is added')
    .option('--timeout <ms>', 'per-node time limit', '3000')
    .option('--accept-new-host-keys', 'remember unknown SSH host keys (for tunnels) instead of refusing them')
    .action(async (opts: StatusOptions) => {
      process.exitCode = await runStatus(opts);
    });
}

export async function runStatus(opts: StatusOptions): Promise<number> {
  const timeoutMs = Number(opts.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new CliError(`--timeout must be a positive number of milliseconds, not "${opts.timeout}".`, 2);
  const file = resolveClusterFilePath(opts.file);
  const loaded = await loadClusterFile(file);
  if (!loaded.ok) throw clusterFileError(loaded);
  const clusters = selectClusters(loaded.file, opts.cluster);
  if (typeof clusters === 'string') throw new CliError(clusters, 2, { code: 'unknown-cluster', file: loaded.path });

  // SSH also tells the fault problems (a changed host key, a refused key, a full disk): every host is logged in to.
  const secrets = new CliSecretProvider();
  const sshPool = new SshPool({ hostKeyPolicy: { mode: opts.acceptNewHostKeys ? 'accept-new' : 'strict' }, secrets });
  const sshConfigText = await readSshConfigText();
  // A key with a passphrase is decrypted (seconds of CPU, the event loop blocked) before the probes start their clocks.
  await Promise.all(clusters.flatMap((c) => [...c.pgpool, ...c.nodes].map(async (d) => {
    try {
      await warmIdentities(resolveSshTarget(d.host, { ...c.ssh, ...d.ssh }, sshConfigText !== undefined ? { sshConfigText } : {}), secrets);
    } catch { /* reported by the probes */ }
  })));
  const results: ClusterStatus[] = [];
  try {
    await Promise.all(clusters.map(async (cluster) => {
      const collector = new StatusCollector(cluster, {
        timeoutMs, sshPool, ...(sshConfigText !== undefined ? { sshConfigText } : {}),
        hostProbes: true, lockHolder: () => operationLockHolder(cluster, { sshPool, timeoutMs, ...(sshConfigText !== undefined ? { sshConfigText } : {}) }),
        log: (line) => process.stderr.write(`pgpool-cluster: ${line}\n`),
      });
      try {
        const status = await collector.refresh();
        results.push(status);
        // What changed since the last look goes into the cluster's history (`events`); never fails the status.
        const store = new HistoryStore(historyDir(cluster));
        await recordStatus(store.dir, status).then((e) => store.append(e)).catch(() => undefined);
      } finally {
        await collector.close();
      }
    }));
  } finally {
    await sshPool.close();
  }
  results.sort((a, b) => clusters.findIndex((c) => c.name === a.name) - clusters.findIndex((c) => c.name === b.name));
  process.stdout.write(opts.json ? statusToJson(results) : statusToTable(results));
  return Math.max(0, ...results.map((r) => EXIT_FOR_HEALTH[r.health]));
}
