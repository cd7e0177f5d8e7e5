import type { Command } from 'commander';
import { errorJson, wantsJson } from './errors';
import { endOnClosedPipe, reportError } from './exit';

// Bundled into dist/cli.js by esbuild; tsc emits out/package.json beside out/src for the unit tests.
import { version } from '../../package.json';

type Register = (program: Command) => void;

/*
 * Each command group is loaded when it is asked for (a separate chunk of the bundle), so `--version` and
 * `lint` do not read SSH, PostgreSQL and YAML code. A name missing here still works: it loads every group.
 */
const GROUPS = {
  lab: async (): Promise<Register> => (await import('./lab')).registerLabCommand,
  lint: async (): Promise<Register> => (await import('./lint')).registerLintCommand,
  status: async (): Promise<Register> => (await import('./status')).registerStatusCommand,
  ops: async (): Promise<Register> => (await import('./ops')).registerOpsCommands,
  setup: async (): Promise<Register> => (await import('./setupCommands')).registerSetupCommands,
  events: async (): Promise<Register> => (await import('./events')).registerEventsCommand,
  clusterFile: async (): Promise<Register> => (await import('./clusterFileCommands')).registerClusterFileCommands,
};
type Group = keyof typeof GROUPS;
const GROUP_OF: Record<string, Group> = {
  lab: 'lab', lint: 'lint', status: 'status',
  promote: 'ops', switchover: 'ops', recover: 'ops', attach: 'ops', detach: 'ops', fence: 'ops', pgpool: 'ops',
  check: 'setup', 'configure-pgpool': 'setup', 'setup-replication': 'setup', 'setup-ssh-trust': 'setup', sync: 'setup', guard: 'setup',
  events: 'events', init: 'clusterFile', 'import-pgpool-conf': 'clusterFile',
};

/** The groups argv needs: the one naming its command, else all (help, no command, an unknown name). */
function groupsFor(argv: string[]): Group[] {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  const one = first === undefined ? undefined : GROUP_OF[first];
  if (one !== undefined) return [one];
  const asksVersion = argv.slice(2).some((a) => a === '-V' || a === '--version');
  return first === undefined && asksVersion ? [] : (Object.keys(GROUPS) as Group[]);
}

export async function buildProgram(argv: string[] = []): Promise<Command> {
  const { Command } = await import('commander');
  const program = new Command();
  program
    .name('pgpool-cluster')
    .description('Lint pgpool-II / PostgreSQL configuration, see and operate pgpool-II clusters, run a rehearsal lab.')
    .version(version, '-V, --version')
    .showHelpAfterError()
    .exitOverride();
  const groups = argv.length > 0 ? groupsFor(argv) : (Object.keys(GROUPS) as Group[]);
  const registers = await Promise.all(groups.map((g) => GROUPS[g]()));
  for (const register of registers) register(program);
  return program;
}

/**
 * `--version` alone and a plain `lint FILE...` (what editor tasks and CI run; dist/cli.js runs the latter from
 * dist/cli/lint.js, lintEntry.ts, before it loads this module) are answered without commander,
 * whose 128 KB are compiled in every process that loads it: a fifth of the start-up of such a short command.
 * Anything else (help, another spelling of an option, a mistake) goes through commander: undefined.
 */
async function runWithoutCommander(args: string[]): Promise<number | undefined> {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (args[0] !== 'lint') return undefined;
  const lint = await import('./lint');
  const plain = lint.plainLintArguments(args.slice(1));
  return plain && lint.lintCommand(plain.files, plain.options);
}

export async function main(argv: string[]): Promise<number> {
  const json = wantsJson(argv.slice(2));
  try {
    const code = await runWithoutCommander(argv.slice(2));
    if (code !== undefined) return code;
  } catch (err) {
    return reportError(json, err);
  }
  const { CommanderError } = await import('commander');
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      if (err.exitCode === 0) return 0;
      // commander has already said it on stderr.
      if (json) process.stdout.write(errorJson({ code: 'usage', message: `${err.message.replace(/^error: /, '')} (see --help)` }));
      return 2;
    }
    return reportError(json, err);
  }
}

/** The process entry (dist/cli.js loads this module and calls it). */
export function runCli(): void {
  endOnClosedPipe();
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}

// Run directly from tsc's CommonJS output (out/src/cli/main.js); the bundle is started by dist/cli.js instead.
if (typeof module !== 'undefined' && require.main === module) runCli();
