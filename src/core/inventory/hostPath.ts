/**
 * Paths that live on a cluster host (pass files, data directories, programs), never on the workstation.
 * `~/...` means the home of the user who uses the file on that host; it is kept as written and resolved there
 * (by `$HOME` in a fixed script), never against the workstation's home.
 */

/** Where a pass file on a host is: the tool's own default, an absolute path, or a path under that user's home. */
export type HostPassFile =
  | { readonly kind: 'default' }
  | { readonly kind: 'absolute'; readonly path: string }
  | { readonly kind: 'home'; readonly relative: string };

/** Characters a home-relative path may hold: it is spliced after `$HOME/` and into libpq conninfo. */
const SAFE_RELATIVE = /^[A-Za-z0-9_.][A-Za-z0-9_./-]*$/;

/** True when the text is a path valid on a host: absolute, or `~/rest` (the user's home there). */
export function isHostPath(p: string): boolean {
  if (p.startsWith('/')) return !p.includes('\0') && !p.includes('\n');
  return p.startsWith('~/') && SAFE_RELATIVE.test(p.slice(2)) && !p.split('/').includes('..');
}

/**
 * The pass file a host user reads; `defaultName` is the tool's own default under the home (`.pgpass` for libpq,
 * `.pcppass` for pcp), so that `~/.pgpass` needs no variable at all.
 */
export function hostPassFile(p: string | undefined, defaultName: string): HostPassFile {
  if (p === undefined || p === `~/${defaultName}`) return { kind: 'default' };
  if (p.startsWith('~/')) return { kind: 'home', relative: p.slice(2) };
  return { kind: 'absolute', path: p };
}

/** The file as the plan shows it: `~/.pgpass of postgres on db1`. */
export function describeHostPassFile(f: HostPassFile, defaultName: string, user: string | undefined, host: string): string {
  const who = user ? `${user}'s` : "the remote user's";
  switch (f.kind) {
    case 'default': return `~/${defaultName} (${who} home on ${host})`;
    case 'home': return `~/${f.relative} (${who} home on ${host})`;
    case 'absolute': return `${f.path} on ${host}`;
  }
}

/**
 * argv that runs `argv` on the host with `variable` naming the pass file: nothing for the default, `env` for an
 * absolute path, a fixed `sh -c` that expands `$HOME` there for a home-relative one (values stay arguments).
 */
export function withPassFileVariable(variable: 'PGPASSFILE' | 'PCPPASSFILE', f: HostPassFile, argv: readonly string[]): string[] {
  switch (f.kind) {
    case 'default': return [...argv];
    case 'absolute': return ['env', `${variable}=${f.path}`, ...argv];
    case 'home': return ['sh', '-c', `${variable}="$HOME/$1"; export ${variable}; shift; exec "$@"`, '_', f.relative, ...argv];
  }
}
