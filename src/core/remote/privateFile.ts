/**
 * The one way files that may hold a secret (pass files, pcp.conf, keys, known_hosts) are written: a new temporary
 * file beside the target, created with mode 0600 (never readable by others, not even for a moment), filled, given
 * its final mode, then renamed over the target. A reader sees the old file or the new one, never a mix, and a file
 * that was world-readable before is replaced, not rewritten in place with the secret inside.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, promises as fs, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface PrivateFileOptions {
  /** Final mode (default 0600). */
  readonly mode?: number;
  /** Owner to give the file before it becomes visible (the lab writes as root for the postgres user). */
  readonly owner?: { readonly uid: number; readonly gid: number };
}

/** A symlink stays a symlink: the file it points to is what gets replaced. */
function resolveTarget(file: string, realpath: (p: string) => string): string {
  try {
    return realpath(file);
  } catch {
    return file;
  }
}

function tempBeside(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

export async function writePrivateFile(file: string, data: string | Buffer, options: PrivateFileOptions = {}): Promise<void> {
  let target = file;
  try {
    target = await fs.realpath(file);
  } catch { /* a new file */ }
  const tmp = tempBeside(target);
  try {
    await fs.writeFile(tmp, data, { flag: 'wx', mode: 0o600 });
    if (options.owner) await fs.chown(tmp, options.owner.uid, options.owner.gid);
    await fs.chmod(tmp, options.mode ?? 0o600);
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export function writePrivateFileSync(file: string, data: string | Buffer, options: PrivateFileOptions = {}): void {
  const target = resolveTarget(file, (p) => realpathSync(p));
  const tmp = tempBeside(target);
  try {
    writeFileSync(tmp, data, { flag: 'wx', mode: 0o600 });
    if (options.owner) chownSync(tmp, options.owner.uid, options.owner.gid);
    chmodSync(tmp, options.mode ?? 0o600);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * The same on a remote host, as a fixed script ($1 path, $2 octal mode, the content on stdin): mktemp creates the
 * temporary file 0600 in the target's directory, mv renames it over the target. Where that directory is not
 * writable (a root-owned /etc/pgpool2 holding a file the user owns) the existing file is rewritten in place, its
 * final mode set before the content goes in.
 */
export const PRIVATE_WRITE_SCRIPT = [
  'umask 077',
  'case "$1" in */*) d=${1%/*} ;; *) d=. ;; esac',
  'if t=$(mktemp "${d:-/}/.pgpool-cluster.XXXXXX" 2>/dev/null); then',
  '  if cat > "$t" && chmod "$2" "$t" && mv -f -- "$t" "$1"; then exit 0; fi',
  '  rm -f -- "$t"; exit 1',
  'fi',
  '[ -f "$1" ] || { echo "cannot create a file in ${d:-/}" >&2; exit 1; }',
  'chmod "$2" "$1" && cat > "$1"',
].join('\n');

export const privateWriteArgv = (file: string, mode: number): string[] => ['sh', '-c', PRIVATE_WRITE_SCRIPT, 'sh', file, mode.toString(8)];
