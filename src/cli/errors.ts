import type { LoadResult } from '../core/inventory/load';

/** What kind of failure, for machines (`--json`): stable words, documented in the README. */
export type CliErrorCode =
  | 'usage' | 'no-cluster-file' | 'bad-cluster-file' | 'unknown-cluster' | 'bad-file'
  | 'refused' | 'not-confirmed' | 'locked' | 'failed' | 'cancelled';

export interface CliErrorDetails {
  readonly code?: CliErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

/** An error meant for the terminal: message says what to do; exitCode follows the CLI's contract. */
export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(message: string, readonly exitCode = 1, details: CliErrorDetails = {}) {
    super(message);
    this.code = details.code ?? (exitCode === 2 ? 'usage' : exitCode === 3 ? 'refused' : exitCode === 4 ? 'locked' : 'failed');
    this.file = details.file;
    this.line = details.line;
    this.column = details.column;
  }
}

/** The error of a cluster file that could not be loaded: missing, unreadable, or invalid at file:line. */
export function clusterFileError(loaded: Extract<LoadResult, { ok: false }>): CliError {
  const first = loaded.errors[0];
  const code: CliErrorCode = loaded.reason === 'missing' ? 'no-cluster-file' : 'bad-cluster-file';
  return new CliError(loaded.message, 2, { code, file: loaded.path, ...(first ? { line: first.line, column: first.column } : {}) });
}

/** `{"error":{"code","message","file?","line?","column?"}}`: what --json prints on stdout for any failure. */
export function errorJson(e: { code: CliErrorCode; message: string; file?: string | undefined; line?: number | undefined; column?: number | undefined }): string {
  const error = {
    code: e.code, message: e.message,
    ...(e.file !== undefined ? { file: e.file } : {}), ...(e.line !== undefined ? { line: e.line } : {}), ...(e.column !== undefined ? { column: e.column } : {}),
  };
  return `${JSON.stringify({ error }, null, 2)}\n`;
}

/** True when the command line asks for machine output: `--json`, or lint's `--format json|sarif`. */
export function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  const opts = end < 0 ? args : args.slice(0, end);
  return opts.some((a, i) => a === '--json' || /^--format=(json|sarif)$/.test(a) || (a === '--format' && /^(json|sarif)$/.test(opts[i + 1] ?? '')));
}

/** The `error` member a failed or cancelled run adds to its outcome JSON, so every failure has `.error`. */
export function outcomeError(o: { ok: boolean; cancelled?: boolean; message: string }): { error?: { code: CliErrorCode; message: string } } {
  return o.ok ? {} : { error: { code: o.cancelled ? 'cancelled' : 'failed', message: o.message } };
}

/** Reports a refusal or failure that ends a command without an exception: stderr for people, JSON on stdout with --json. */
export function reportFailure(json: boolean | undefined, code: CliErrorCode, message: string): void {
  if (json) process.stdout.write(errorJson({ code, message }));
  process.stderr.write(`pgpool-cluster: ${message}\n`);
}
