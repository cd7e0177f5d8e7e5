/**
 * How a pgpool script reaches the other hosts, read from its text: the first `ssh` it runs, with the variables
 * it assigns literally at the top resolved. The SSH-hop check then tests the hop the same way (`-F`, `-i`, the
 * user, `-p`, `-o`), or says it cannot know when the script builds them at run time.
 */

export interface ScriptSsh {
  readonly configFile?: string;
  readonly identityFile?: string;
  readonly user?: string;
  readonly port?: number;
  /** `-o` options as written (e.g. StrictHostKeyChecking=no). */
  readonly options: readonly string[];
}

export type ScriptSshResult =
  | { readonly kind: 'none' }
  | { readonly kind: 'ssh'; readonly ssh: ScriptSsh; readonly line: number }
  | { readonly kind: 'unknown'; readonly why: string; readonly line: number };

const WITH_ARG = new Set(['-b', '-c', '-D', '-E', '-e', '-F', '-I', '-i', '-J', '-L', '-l', '-m', '-O', '-o', '-p', '-Q', '-R', '-S', '-W', '-w', '-B']);

/** A shell word without its quotes ("a"'b'c -> abc); what is inside single quotes is not expanded later either way. */
function unquote(word: string): string {
  return word.replace(/"([^"]*)"|'([^']*)'/g, (_m, a: string | undefined, b: string | undefined) => a ?? b ?? '');
}

/** Shell words: runs of quoted strings and other non-blank characters. */
const WORDS = /(?:"[^"]*"|'[^']*'|[^\s"'])+/g;

/** Literal bash arrays `NAME=(word ...)` on one line, their words expanded from earlier literal assignments. */
function arrays(lines: readonly string[], vars: ReadonlyMap<string, string>): Map<string, string[] | undefined> {
  const out = new Map<string, string[] | undefined>();
  for (const raw of lines) {
    const m = /^\s*(?:declare\s+-a\s+)?([A-Za-z_][A-Za-z0-9_]*)=\((.*)\)\s*(?:#.*)?$/.exec(raw);
    if (!m || m[2]!.includes('$(') || m[2]!.includes('`')) continue;
    const words = (m[2]!.match(WORDS) ?? []).map((w) => expand(unquote(w), vars));
    out.set(m[1]!, words.every((w): w is string => w !== undefined) ? words : undefined);
  }
  return out;
}

/** Literal `NAME=value` assignments (optionally `export`ed), later ones winning; values using $(...) or backticks are left out. */
function assignments(lines: readonly string[]): Map<string, string> {
  const vars = new Map<string, string>();
  for (const raw of lines) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=("[^"`]*"|'[^']*'|[^\s;`'"]*)\s*(?:#.*)?$/.exec(raw);
    if (!m || m[2]!.includes('$(')) continue;
    const value = expand(unquote(m[2]!), vars);
    if (value !== undefined) vars.set(m[1]!, value);
  }
  return vars;
}

/** `$X` / `${X}` from literal assignments; undefined when a variable is not known from the script. */
function expand(word: string, vars: ReadonlyMap<string, string>): string | undefined {
  let unknown = false;
  const out = word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string | undefined, b: string | undefined) => {
    const v = vars.get((a ?? b)!);
    if (v === undefined) unknown = true;
    return v ?? '';
  });
  return unknown || out.includes('$') ? undefined : out;
}

export function scriptSsh(text: string): ScriptSshResult {
  const lines = text.split(/\r?\n/);
  const vars = assignments(lines);
  const arrs = arrays(lines, vars);
  for (let i = 0; i < lines.length; i++) {
    const code = lines[i]!.replace(/(^|\s)#.*$/, '');
    const m = /(?:^|[\s;|&(`])ssh\s+(.*)$/.exec(code);
    if (!m) continue;
    const words: string[] = [];
    for (const w of m[1]!.match(WORDS) ?? []) {
      const a = /^"?\$\{([A-Za-z_][A-Za-z0-9_]*)\[@\]\}"?$/.exec(w);
      if (!a) { words.push(w); continue; }
      const list = arrs.get(a[1]!);
      if (!list) return { kind: 'unknown', why: `its ssh options come from \${${a[1]}[@]}, which is built at run time`, line: i + 1 };
      words.push(...list);
    }
    const options: string[] = [];
    let configFile: string | undefined;
    let identityFile: string | undefined;
    let user: string | undefined;
    let port: number | undefined;
    let dest: string | undefined;
    for (let w = 0; w < words.length; w++) {
      const word = words[w]!;
      if (word === '--') { dest = words[w + 1]; break; }
      if (word.startsWith('-') && word.length >= 2) {
        const flag = word.slice(0, 2);
        if (!WITH_ARG.has(flag)) continue;
        const rawArg = word.length > 2 ? word.slice(2) : words[++w];
        if (rawArg === undefined) break;
        const arg = expand(unquote(rawArg), vars);
        const needed = ['-F', '-i', '-l', '-p'].includes(flag) || (flag === '-o' && /^(User|Port|IdentityFile|UserKnownHostsFile)=/i.test(unquote(rawArg)));
        if (arg === undefined) {
          if (needed) return { kind: 'unknown', why: `its ssh ${flag} ${unquote(rawArg)} is built at run time`, line: i + 1 };
          continue;
        }
        if (flag === '-F') configFile = arg;
        else if (flag === '-i') identityFile = arg;
        else if (flag === '-l') user = arg;
        else if (flag === '-p') port = Number(arg);
        else if (flag === '-o') options.push(arg);
        continue;
      }
      dest = word;
      break;
    }
    if (dest !== undefined) {
      const at = unquote(dest).lastIndexOf('@');
      if (at > 0) {
        const u = expand(unquote(dest).slice(0, at), vars);
        if (u === undefined) return { kind: 'unknown', why: `its ssh user ${unquote(dest).slice(0, at)} is set at run time`, line: i + 1 };
        user = u;
      }
    }
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) return { kind: 'unknown', why: 'its ssh port is not a number', line: i + 1 };
    return { kind: 'ssh', line: i + 1, ssh: { ...(configFile ? { configFile } : {}), ...(identityFile ? { identityFile } : {}), ...(user ? { user } : {}), ...(port ? { port } : {}), options } };
  }
  return { kind: 'none' };
}

/**
 * argv for a source host to test reaching `host` the way the script does; BatchMode and a short timeout are added
 * so nothing prompts. `~/` in -F / -i is resolved against the source user's $HOME by a fixed wrapper.
 */
export function scriptHopArgv(s: ScriptSsh, host: string, fallbackUser: string, fallbackPort: number): string[] {
  return [
    'sh', '-c', 'h() { case "$1" in "~/"*) printf "%s" "$HOME/${1#"~/"}";; *) printf "%s" "$1";; esac; }; F=$1; I=$2; shift 2; '
      + 'exec ssh ${F:+-F "$(h "$F")"} ${I:+-i "$(h "$I")"} "$@"',
    '_', s.configFile ?? '', s.identityFile ?? '',
    '-T', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', ...s.options.flatMap((o) => ['-o', o]),
    ...(s.port ?? (s.configFile ? undefined : fallbackPort) ? ['-p', String(s.port ?? fallbackPort)] : []),
    ...(s.user ?? (s.configFile ? undefined : fallbackUser) ? ['-l', (s.user ?? fallbackUser)] : []),
    host, '--', 'true',
  ];
}
