import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { CliError } from './errors';
// Not the conf barrel: the PostgreSQL rules (postgresRules.ts) are read only when a file needs them.
import { crossCheck, type ConfFile } from '../core/conf/crossFile';
import { languageIdForFile } from '../core/conf/languages';
import { lintDocument } from '../core/conf/lint';
import type { Diagnostic } from '../core/conf/types';

interface LintCliOptions {
  pgpoolVersion?: string;
  postgresVersion?: string;
  format: string;
}

interface FileResult {
  file: string;
  diagnostics: Diagnostic[];
}

const SARIF_LEVEL: Record<Diagnostic['severity'], string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

function toJson(results: FileResult[]): unknown[] {
  return results.flatMap((r) => r.diagnostics.map((d) => ({
    file: r.file, line: d.range.start.line + 1, column: d.range.start.character + 1,
    endLine: d.range.end.line + 1, endColumn: d.range.end.character + 1,
    severity: d.severity, code: d.code, message: d.message,
  })));
}

/** The folder SARIF locations are relative to: the enclosing repository (the folder holding .git), else `cwd`. */
export function sourceRoot(cwd = process.cwd()): string {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(cwd);
  }
}

/**
 * A SARIF artifact location: relative to %SRCROOT% (the repository) when the file is inside it, as code-scanning
 * services need to annotate the file; an absolute file:// URI otherwise.
 */
function artifactLocation(file: string, root: string): { uri: string; uriBaseId?: string } {
  const abs = path.resolve(file);
  const rel = path.relative(root, abs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return { uri: pathToFileURL(abs).href };
  return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

function toSarif(results: FileResult[], root = sourceRoot()): unknown {
  const codes = [...new Set(results.flatMap((r) => r.diagnostics.map((d) => d.code)))].sort();
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'pgpool-cluster lint', informationUri: 'https://example.invalid/pgpool-cluster', rules: codes.map((id) => ({ id })) } },
      originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(`${root}${path.sep}`).href } },
      results: results.flatMap((r) => r.diagnostics.map((d) => ({
        ruleId: d.code, ruleIndex: codes.indexOf(d.code), level: SARIF_LEVEL[d.severity], message: { text: d.message },
        locations: [{ physicalLocation: {
          artifactLocation: artifactLocation(r.file, root),
          region: { startLine: d.range.start.line + 1, startColumn: d.range.start.character + 1, endLine: d.range.end.line + 1, endColumn: d.range.end.character + 1 },
        } }],
      }))),
    }],
  };
}

/** Lints files given on the command line; one code path with the editor (core/conf). */
export async function runLint(files: string[], opts: LintCliOptions): Promise<{ output: string; exitCode: number }> {
  if (!['text', 'json', 'sarif'].includes(opts.format)) throw new CliError(`unknown --format "${opts.format}" (use text, json or sarif)`, 2);
  if (files.length === 0) throw new CliError('no files given', 2);
  const inputs: ConfFile[] = [];
  for (const file of files) {
    const languageId = languageIdForFile(file);
    if (!languageId) throw new CliError(`${file}: cannot tell the file type from its name (expected pgpool.conf, *.pgpool.conf, postgresql.conf, recovery.conf, pg_hba.conf, pool_hba.conf, pcp.conf)`, 2, { code: 'bad-file', file });
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, 2, { code: 'bad-file', file });
    }
    inputs.push({ fileName: file, languageId, text });
  }
  if (inputs.some((f) => f.languageId === 'postgresql-conf' || f.languageId === 'recovery-conf')) await import('../core/conf/postgresRules');
  const versionOpts = { ...(opts.pgpoolVersion ? { pgpoolVersion: opts.pgpoolVersion } : {}), ...(opts.postgresVersion ? { postgresVersion: opts.postgresVersion } : {}) };
  const cross = crossCheck(inputs, versionOpts);
  const results: FileResult[] = inputs.map((f) => ({
    file: f.fileName,
    diagnostics: [...lintDocument(f.text, { languageId: f.languageId, fileName: f.fileName, ...versionOpts }), ...(cross.get(f.fileName) ?? [])],
  }));
  const anyError = results.some((r) => r.diagnostics.some((d) => d.severity === 'error'));
  let output: string;
  if (opts.format === 'json') output = `${JSON.stringify(toJson(results), null, 2)}\n`;
  else if (opts.format === 'sarif') output = `${JSON.stringify(toSarif(results), null, 2)}\n`;
  else {
    output = results.flatMap((r) => r.diagnostics.map((d) =>
      `${r.file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity} ${d.code}: ${d.message}\n`)).join('');
  }
  return { output, exitCode: anyError ? 1 : 0 };
}

/** What `lint` does once its arguments are read: the report on stdout; the exit code. */
export async function lintCommand(files: string[], opts: LintCliOptions): Promise<number> {
  const { output, exitCode } = await runLint(files, opts);
  process.stdout.write(output);
  return exitCode;
}

const LINT_OPTIONS: Record<string, 'format' | 'pgpoolVersion' | 'postgresVersion'> = {
  '--format': 'format', '--pgpool-version': 'pgpoolVersion', '--postgres-version': 'postgresVersion',
};

/**
 * lint's arguments when they are plain (files, each option below at most once, `--name value` or
 * `--name=value` with a value that does not start with a dash), read as commander reads them; anything else
 * is undefined, for commander to read (and to explain).
 */
export function plainLintArguments(args: readonly string[]): { files: string[]; options: LintCliOptions } | undefined {
  const files: string[] = [];
  const options: LintCliOptions = { format: 'text' };
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('-')) {
      files.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const key = Object.hasOwn(LINT_OPTIONS, name) ? LINT_OPTIONS[name] : undefined;
    if (key === undefined || seen.has(name)) return undefined;
    seen.add(name);
    const value = eq < 0 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '' || value.startsWith('-')) return undefined;
    options[key] = value;
  }
  return files.length > 0 ? { files, options } : undefined;
}

export function registerLintCommand(program: Command): void {
  program
    .command('lint')
    .description('Check pgpool.conf, postgresql.conf, recovery.conf, pg_hba.conf/pool_hba.conf and pcp.conf files.')
    .argument('<files...>', 'configuration files; the type comes from the file name')
    .option('--pgpool-version <version>', 'target pgpool-II version, e.g. 4.3 (a "# pgpool-cluster: pgpool=X" comment in the file wins)')
    .option('--postgres-version <version>', 'target PostgreSQL major version, e.g. 15')
    .option('--format <format>', 'text, json or sarif', 'text')
    .action(async (files: string[], opts: LintCliOptions) => {
      process.exitCode = await lintCommand(files, opts);
    });
}
