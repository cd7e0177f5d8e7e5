/** How a command ends: an error reported for people (stderr) and machines (--json), and its exit code. */
import { CliError, errorJson } from './errors';

/** Reports an error that ended the command; its exit code. */
export function reportError(json: boolean, err: unknown): number {
  if (err instanceof CliError) {
    fail(json, err);
    return err.exitCode;
  }
  fail(json, { code: 'failed', message: err instanceof Error ? err.message : String(err) });
  return 1;
}

/** A failure on stderr for people and, with --json, as `{"error":{...}}` on stdout for machines. */
function fail(json: boolean, e: Parameters<typeof errorJson>[0]): void {
  if (json) process.stdout.write(errorJson(e));
  process.stderr.write(`pgpool-cluster: ${e.message}\n`);
}

/** A reader that goes away (`| head`) ends the output, not the program with a stack trace. */
export function endOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
}
