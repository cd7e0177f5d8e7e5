import type { Command } from 'commander';
import { labContext, labDown, labIsUp, labProcesses, labUp, readLabState } from '../core/lab/lab';
import { applyFault, healLab, readFaults } from '../core/lab/isolatedLab';
import { FaultError, parseFault } from '../core/lab/faults';
import { findLabPrograms } from '../core/lab/prerequisites';
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
    if (err instanceof LabError || err instanceof FaultError) throw new CliError(err.message, 1);
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
    .option('--isolated', 'each host its own network and mount namespace on a bridge (root; default net 10.213.1; also PGPOOL_CLUSTER_LAB_ISOLATED=1)')
    .option('--watchdog', 'three pgpool hosts (.10, .20, .30) with watchdog, heartbeat, quorum and a virtual IP (.100) held by the leader; isolated lab only')
    .action(async (opts: { quiet?: boolean; postgres: string; isolated?: boolean; watchdog?: boolean }) => {
      const { dir, net } = lab.opts<{ dir: string; net?: string }>();
      const major = Number.parseInt(opts.postgres, 10);
      if (!(LAB_PG_MAJORS as readonly number[]).includes(major)) {
        throw new CliError(`--postgres must be one of ${LAB_PG_MAJORS.join(', ')} (got ${JSON.stringify(opts.postgres)}).`, 2);
      }
      await asCliError(async () => {
        const ctx = labContext(dir, major, net, opts.isolated, opts.watchdog);
        const r = await labUp(ctx, opts.quiet ? undefined : (m) => process.stderr.write(`  ${m}\n`));
        const l = r.layout;
        process.stdout.write(r.alreadyUp
          ? `The lab is already up in ${l.dir}.\n`
          : `The lab is up in ${r.seconds.toFixed(1)} s with PostgreSQL ${major} (${l.dir}).\n`);
        const state = readLabState(l);
        if (state?.onlineRecoveryUnavailable) process.stdout.write(`  note: ${state.onlineRecoveryUnavailable}\n`);
        const state2 = readLabState(l);
        if (state2?.steps && !opts.quiet) process.stdout.write(`  steps: ${Object.entries(state2.steps).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ')}\n`);
        process.stdout.write([
          ...(l.isolation ? [`  isolated: each host its own network + mount namespace on bridge ${l.isolation.bridge} (${l.isolation.subnet}); this workstation is ${l.isolation.workstation}`] : []),
          ...l.pgpools.map((p) => `  ${(l.watchdog ? p.name : 'pgpool-II').padEnd(10)}  ${p.address}:9999 (pcp 9898${l.watchdog ? `, watchdog ${l.watchdog.wdPort}, heartbeat ${l.watchdog.heartbeatPort}` : ''}), ssh ${p.address}:${l.sshPort}`),
          ...(l.watchdog ? [`  VIP         ${l.watchdog.vip}:9999, held by the watchdog leader (clients connect here)`] : []),
          ...l.nodes.map((n) => `  ${n.name.padEnd(10)}  ${n.address}:5432 ${n.id === 0 ? 'primary' : 'standby'}, ssh ${n.address}:${l.sshPort}, data ${n.dataDir}`),
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

  const isolatedLab = (): ReturnType<typeof labContext> => {
    const { dir, net } = lab.opts<{ dir: string; net?: string }>();
    const ctx = labContext(dir, undefined, net);
    if (!ctx.layout.isolation || !readLabState(ctx.layout)) {
      throw new CliError(`No isolated lab in ${dir}. Faults need one: pgpool-cluster lab up --isolated`, 1);
    }
    return ctx;
  };
  const fault = lab.command('fault')
    .description('Inject a fault into the isolated lab (undo all with `lab heal`). HOST is a name from the cluster file (node0, pgpool) or an address.');
  const faultCommand = (name: string, args: string, description: string): void => {
    const c = fault.command(`${name} ${args}`).description(description);
    if (name === 'partition') c.option('--oneway', 'only A\'s packets to B are lost');
    c.action(async (...received: unknown[]) => {
      const positional = received.filter((x): x is string => typeof x === 'string');
      const opts = (received.find((x) => typeof x === 'object' && x !== null && !Array.isArray(x) && !('parent' in (x as object))) ?? {}) as { oneway?: boolean };
      await asCliError(async () => {
        const ctx = isolatedLab();
        process.stdout.write(`${await applyFault(ctx.layout, ctx.user, parseFault(name, positional, opts.oneway ?? false))}\n`);
      });
    });
  };
  faultCommand('partition', '<A> <B>', 'A and B can no longer reach each other (packets vanish silently); --oneway: only A\'s packets to B');
  faultCommand('isolate', '<HOST>', 'cut HOST off from every lab host and the workstation');
  faultCommand('freeze', '<HOST>', 'SIGSTOP every process on HOST');
  faultCommand('crash', '<HOST>', 'kill -9 every process on HOST (heal restarts its sshd only, as a reboot with only sshd enabled)');
  faultCommand('slow', '<HOST> <RATE>', 'shape HOST\'s link to RATE both ways (tc tbf), e.g. 1mbit');
  faultCommand('disk-full', '<HOST>', 'fill the filesystem under the node\'s pg_wal (its /var/lib/postgresql)');

  lab.command('heal')
    .description('Undo every fault of the isolated lab: network, shaping, frozen processes, full disks; a crashed host gets its sshd back.')
    .action(async () => {
      await asCliError(async () => {
        const ctx = isolatedLab();
        const done = await healLab(ctx.layout, ctx.user, findLabPrograms(ctx.programs.pgMajor));
        process.stdout.write(`Healed: ${done.join(', ')}.\n`);
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
      const faults = layout.isolation ? readFaults(layout) : [];
      if (opts.json) process.stdout.write(JSON.stringify({ dir: layout.dir, up, state: readLabState(layout) ?? null, processes: procs, faults }, null, 2) + '\n');
      else {
        process.stdout.write(`Lab in ${layout.dir}: ${up ? 'up' : 'not (fully) up'}\n`);
        for (const p of procs) process.stdout.write(`  ${p.what.padEnd(16)} ${p.alive ? `running (pid ${p.pid})` : 'not running'}\n`);
        for (const f of faults) process.stdout.write(`  fault since ${f.at}: ${f.effect}\n`);
      }
      if (!up) process.exitCode = 1;
    });
}
