import { Command, CommanderError } from 'commander';
import { registerLabCommand } from './lab';
import { registerLintCommand } from './lint';
import { registerStatusCommand } from './status';
import { registerOpsCommands } from './ops';
import { registerSetupCommands } from './setupCommands';
import { registerEventsCommand } from './events';
import { registerClusterFileCommands } from './clusterFileCommands';
import { CliError } from './errors';

// Bundled into dist/cli.js by esbuild; tsc emits out/package.json beside out/src for the unit tests.
import pkg from '../../package.json';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('pgpool-cluster')
    .description('Lint pgpool-II / PostgreSQL configuration, see and operate pgpool-II clusters, run a rehearsal lab.')
    .version(pkg.version, '-V, --version')
    .showHelpAfterError()
    .exitOverride();
  registerLabCommand(program);
  registerLintCommand(program);
  registerStatusCommand(program);
  registerOpsCommands(program);
  registerSetupCommands(program);
  registerEventsCommand(program);
  registerClusterFileCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof CliError) {
      process.stderr.write(`pgpool-cluster: ${err.message}\n`);
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`pgpool-cluster: ${message}\n`);
    return 1;
  }
}

if (require.main === module) {
  // A reader that goes away (`| head`) ends the output, not the program with a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
