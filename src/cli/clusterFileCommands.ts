/**
 * The CLI's way to a cluster file, as the editor's "Create Cluster File" and "Import Cluster from
 * pgpool.conf": `init` writes the commented starter file, `import-pgpool-conf FILE` builds one from a
 * pgpool.conf. Neither ever overwrites a file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { CLUSTER_FILE_TEMPLATE } from '../core/inventory/clusterFileTemplate';
import { importedYaml, importFromPgpoolConf } from '../core/inventory/importPgpoolConf';
import { DEFAULT_CLUSTER_FILE } from '../core/inventory/load';
import { parseClusterFile } from '../core/inventory/parseClusterFile';
import { probeImportedCluster } from '../core/status/probeImported';
import { CliError } from './errors';

interface InitOptions { output?: string }
interface ImportOptions { pgpoolHost?: string; name?: string; output?: string; probe?: boolean; timeout: string }

/** Writes a new file; an existing one is an error that says what to do. */
function writeNew(file: string, text: string, what: string): void {
  try {
    writeFileSync(file, text, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CliError(`${file} already exists; ${what} never overwrites a cluster file. Edit it, remove it, or give another path with -o.`, 2);
    throw new CliError(`Cannot write ${file}: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
}

export function registerClusterFileCommands(program: Command): void {
  program.command('init')
    .description(`Write a commented starter cluster file (default ./${DEFAULT_CLUSTER_FILE}); refuses to overwrite one.`)
    .option('-o, --output <path>', `where to write it (default ./${DEFAULT_CLUSTER_FILE})`)
    .action((opts: InitOptions) => {
      const file = path.resolve(opts.output ?? DEFAULT_CLUSTER_FILE);
      writeNew(file, CLUSTER_FILE_TEMPLATE, 'init');
      process.stdout.write(`Wrote ${file}: set the hosts of your pgpool and nodes, then run pgpool-cluster status.\n`);
    });

  program.command('import-pgpool-conf')
    .argument('<file>', 'a copy of the pgpool.conf pgpool runs with')
    .description('Build a cluster file from a pgpool.conf (backend_hostnameN/portN/data_directoryN, ports, listen_addresses). '
      + 'Prints it, or writes it with -o (never over an existing file). Exit 0 done, 2 bad input.')
    .option('--pgpool-host <host>', 'where pgpool runs (needed when listen_addresses does not name exactly one address)')
    .option('--name <name>', 'the cluster\'s name', 'imported')
    .option('-o, --output <path>', 'write the cluster file here instead of printing it')
    .option('--probe', 'connect to pgpool and the nodes: fill pgpoolVersion/postgresVersion and missing data directories from what they report')
    .option('--timeout <ms>', 'time limit per host for --probe', '3000')
    .action(async (file: string, opts: ImportOptions) => { process.exitCode = await runImport(file, opts); });
}

function localUser(): string | undefined {
  try { return userInfo().username; } catch { return undefined; }
}

export async function runImport(file: string, opts: ImportOptions): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}.`, 2);
  }
  const timeoutMs = Number(opts.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new CliError(`--timeout must be a positive number of milliseconds, not "${opts.timeout}".`, 2);
  if (opts.pgpoolHost !== undefined && (!/^[A-Za-z0-9_.:[\]-]+$/.test(opts.pgpoolHost) || opts.pgpoolHost.startsWith('-'))) {
    throw new CliError(`--pgpool-host "${opts.pgpoolHost}" is not a host name or an address.`, 2);
  }
  const user = localUser();
  const result = importFromPgpoolConf(text, {
    clusterName: opts.name ?? 'imported', ...(opts.pgpoolHost ? { pgpoolHost: opts.pgpoolHost } : {}), ...(user ? { sshDefaults: { user } } : {}),
  });
  if (!result.ok) throw new CliError(`${file}: ${result.reason} Pass --pgpool-host HOST.`, 2);
  for (const w of result.warnings) process.stderr.write(`pgpool-cluster: ${file}: ${w}\n`);
  let cluster = result.cluster;
  if (opts.probe) {
    const probed = await probeImportedCluster(cluster, { timeoutMs, log: (line) => process.stderr.write(`pgpool-cluster: ${line}\n`) });
    cluster = probed.cluster;
    process.stderr.write(`pgpool-cluster: ${probed.note}\n`);
  }
  const yaml = `# Imported from ${path.basename(file)} by pgpool-cluster import-pgpool-conf. pgpool.conf itself is found on the pgpool host.\n${importedYaml(cluster, user ? { user } : {})}`;
  // What is written must load as it is.
  const check = parseClusterFile(yaml);
  if (!check.ok) throw new CliError(`The imported cluster file does not load: ${check.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, 1);
  if (opts.output) {
    const out = path.resolve(opts.output);
    writeNew(out, yaml, 'import-pgpool-conf');
    process.stderr.write(`pgpool-cluster: wrote ${out} (${cluster.nodes.length} node(s), pgpool at ${cluster.pgpool[0]?.host ?? '?'}).\n`);
  } else {
    process.stdout.write(yaml);
  }
  return 0;
}
