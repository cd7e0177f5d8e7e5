/**
 * The one place that turns values into POSIX shell words. Every command string sent over SSH or written
 * into a script is built from `shellCommand`/`shellQuote`; nothing else concatenates user values into shell.
 */

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one value so a POSIX shell reads it back as exactly one word with exactly these bytes. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('A shell argument cannot contain a NUL byte.');
  if (value !== '' && SAFE_WORD.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Joins argv into one command line, each element quoted. */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('An empty command cannot be run.');
  return argv.map(shellQuote).join(' ');
}

/** A raw fragment of shell syntax (operators such as `&&`, `|`, `>`); never built from user values. */
export interface ShellOperator {
  readonly op: '&&' | '||' | '|' | ';' | '>' | '>>' | '2>&1' | '<';
}

export const op = (o: ShellOperator['op']): ShellOperator => ({ op: o });

/** Builds a pipeline/sequence: strings are quoted words, operators pass through. */
export function shellScript(parts: ReadonlyArray<string | ShellOperator>): string {
  return parts.map((p) => (typeof p === 'string' ? shellQuote(p) : p.op)).join(' ');
}
