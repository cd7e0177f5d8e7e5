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

/**
 * Quotes one value with double quotes (`\` before `$`, `` ` ``, `"` and `\`), for command lines stored where a
 * single quote cannot be written (a pgpool.conf string value); sh still reads exactly one word with these bytes.
 */
export function shellDoubleQuote(value: string): string {
  if (/[\0\n\r]/.test(value)) throw new Error(`The value ${JSON.stringify(value)} cannot be written as a shell word here: it contains a line break or NUL.`);
  if (value !== '' && SAFE_WORD.test(value)) return value;
  return `"${value.replace(/[\\"$`]/g, '\\$&')}"`;
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

/**
 * Splits a command line into words the way a POSIX shell does for plain words and quotes (`'...'`, `"..."` with
 * its backslash escapes, `\x` outside quotes); expansions (`$x`, globs) are left as text. For reading back
 * command lines the product or a user stored, e.g. pgpool.conf's failover_command.
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`Unterminated single quote in: ${line}`);
      cur = (cur ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      cur = cur ?? '';
      for (i++; ; i++) {
        if (i >= line.length) throw new Error(`Unterminated double quote in: ${line}`);
        const d = line[i] as string;
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length && '$`"\\\n'.includes(line[i + 1] as string)) cur += line[++i];
        else cur += d;
      }
    } else if (c === '\\' && i + 1 < line.length) {
      cur = (cur ?? '') + line[++i];
    } else {
      cur = (cur ?? '') + c;
    }
  }
  if (cur !== undefined) words.push(cur);
  return words;
}
