/**
 * The one /proc scan for pgpool processes without a pgpool parent (a main process, or the orphans of a killed
 * one), shared by the scripts that start, stop and discover pgpool on a host. The shell's own `read` tests each
 * process's name, so a busy host costs no fork per process. `body` runs once per such process with `$d` set to its
 * /proc directory; the text is POSIX sh with no interpolated input.
 */
export function pgpoolParentlessLoop(body: string, indent = ''): string {
  const lines = [
    'for d in /proc/[0-9]*; do',
    '  c=; { read -r c < "$d/comm"; } 2>/dev/null',
    '  [ "$c" = pgpool ] || continue',
    '  pp=$(sed -n \'s/^PPid:[[:space:]]*//p\' "$d/status" 2>/dev/null)',
    '  c=; { read -r c < "/proc/$pp/comm"; } 2>/dev/null',
    '  [ "$c" = pgpool ] && continue',
    ...body.replace(/\n$/, '').split('\n').map((l) => `  ${l}`),
    'done',
  ];
  return lines.map((l) => indent + l).join('\n');
}
