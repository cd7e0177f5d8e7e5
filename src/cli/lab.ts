import type { Command } from 'commander';
import { labContext, labDown, labIsUp, labProcesses, labUp, readLabState } from '../core/lab/lab';
import { labEnvLines } from '../core/lab/env';
import { defaultLabDir } from '../core/lab/layout';
import { LabError } from '../core/lab/proc';
import { LAB_PG_MAJORS } from '../core/lab/prerequisites';
import { resolveServiceUser } from '../core/lab/serviceUser';
import { CliError } from './errors';

async function asCliError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof LabError) throw new CliError(err.message, 1);
    throw err;
  }
}

export function registerLabCommand(program: Command): void {
  const lab = program
    .command('lab')
    .description('A rehearsal cluster on this machine: 3 PostgreSQL nodes (127.0.0.11-13), pgpool-II (127.0.0.10), sshd on each host.')
    .option('--dir <path>', 'lab folder', defaultLabDir())
    .option('--net <prefix>', 'first three octets of the lab addresses (127.x.y); another prefix runs a second lab beside the first', undefined);

  lab.command('up')
    .description('Build and start the lab (safe to run twice).')
    .option('-q, --quiet', 'print only the summary')
    .option('--postgres <major>', `PostgreSQL major version of the nodes: ${LAB_PG_MAJORS.join(', ')}`, '15')
    .action(async (opts: { quiet?: boolean; postgres: string }) => {
      const { dir, net } = lab.opts<{ dir: string; net?: string }>();
      const major = Number.parseInt(opts.postgres, 10);
      if (!(LAB_PG_MAJORS as readonly number[]).includes(major)) {
        throw new CliError(`--postgres must be one of ${LAB_PG_MAJORS.join(', ')} (got ${JSON.stringify(opts.postgres)}).`, 2);
      }
      await asCliError(async () => {
        const ctx = labContext(dir, major, net);
        const r = await labUp(ctx, opts.quiet ? undefined : (m) => process.stderr.write(`  ${m}\n`));
        const l = r.layout;
        process.stdout.write(r.alreadyUp
          ? `The lab is already up in ${l.dir}.\n`
          : `The lab is up in ${r.seconds.toFixed(1)} s with PostgreSQL ${major} (${l.dir}).\n`);
        const state = readLabState(l);
        if (state?.onlineRecoveryUnavailable) process.stdout.write(`  note: ${state.onlineRecoveryUnavailable}\n`);
        process.stdout.write([
          `  pgpool-II   ${l.pgpool.address}:9999 (pcp 9898), ssh ${l.pgpool.address}:2222`,
          ...l.nodes.map((n) => `  ${n.name.padEnd(10)}  ${n.address}:5432 ${n.id === 0 ? 'primary' : 'standby'}, ssh ${n.address}:2222, data ${n.dataDir}`),
          `  cluster file  ${l.clusterFile}`,
          `Use it by hand:  eval "$(pgpool-cluster lab env)"; psql -c 'SHOW pool_nodes'`,
          '',
        ].join('\n'));
      });
    });

  lab.command('down')
    .description('Stop the processes the lab started and remove its folder.')
    .action(async () => {
      const { dir, net } = lab.opts<{ dir: string; net?: string }>();
      await asCliError(async () => {
        const r = await labDown(labContext(dir, undefined, net), (m) => process.stderr.write(`  ${m}\n`));
        process.stdout.write(r.stopped.length ? `Stopped ${r.stopped.join(', ')}; removed ${dir}.\n` : `No lab in ${dir}.\n`);
      });
    });

  lab.command('env')
    .description('Print shell export lines for psql, the pcp tools and ssh against the lab.')
    .action(() => {
      const layout = labContext(lab.opts<{ dir: string }>().dir, undefined, lab.opts<{ net?: string }>().net).layout;
      if (!readLabState(layout)) throw new CliError(`No lab in ${layout.dir}. Start it with: pgpool-cluster lab up`, 1);
      process.stdout.write(labEnvLines(layout, resolveServiceUser().name).join('\n') + '\n');
    });

  lab.command('status')
    .description('Show which of the lab processes are running.')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const layout = labContext(lab.opts<{ dir: string }>().dir, undefined, lab.opts<{ net?: string }>().net).layout;
      const procs = labProcesses(layout);
      const up = labIsUp(layout);
      if (opts.json) process.stdout.write(JSON.stringify({ dir: layout.dir, up, state: readLabState(layout) ?? null, processes: procs }, null, 2) + '\n');
      else {
        process.stdout.write(`Lab in ${layout.dir}: ${up ? 'up' : 'not (fully) up'}\n`);
        for (const p of procs) process.stdout.write(`  ${p.what.padEnd(16)} ${p.alive ? `running (pid ${p.pid})` : 'not running'}\n`);
      }
      if (!up) process.exitCode = 1;
    });
}
