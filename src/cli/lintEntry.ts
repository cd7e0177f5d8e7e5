/**
 * A plain `pgpool-cluster lint FILE...` (plainLintArguments: what editor tasks and CI run) as its own CommonJS
 * bundle, dist/cli/lint.js, which the launcher require()s: no ES module loader, no commander, no other chunk
 * (about 10 ms of CPU of an 80 ms process; `npm run bench -- startup`). Other arguments go to the full CLI.
 */
import { wantsJson } from './errors';
import { endOnClosedPipe, reportError } from './exit';
import { lintCommand, plainLintArguments } from './lint';

/** Runs a plain lint and resolves true; false, having done nothing, when the full CLI must read the arguments. */
export async function runPlainLint(argv: readonly string[]): Promise<boolean> {
  const args = argv.slice(2);
  const plain = args[0] === 'lint' ? plainLintArguments(args.slice(1)) : undefined;
  if (!plain) return false;
  endOnClosedPipe();
  try {
    process.exitCode = await lintCommand(plain.files, plain.options);
  } catch (err) {
    process.exitCode = reportError(wantsJson(args), err);
  }
  return true;
}
