/**
 * The commands "Set up SSH trust" runs on the cluster's hosts. Each is a FIXED `sh -c` script whose values
 * arrive as positional parameters ($1, $2, ...), so no value from the cluster file is ever spliced into shell
 * text; the words themselves are quoted by shellCommand when sent. Scripts `cd` first: relative paths of
 * `ssh.hostToHost` start in the home of the user the command runs as (also under `sudo -u`).
 */
import type { ClusterHost, HostToHost } from './hostToHost';
import { hopSshArgv, knownHostsName } from './hostToHost';

const HOME = 'cd 2>/dev/null || :';

/** argv that runs `argv` from the user's home directory. */
export function inHome(argv: readonly string[]): string[] {
  return ['sh', '-c', `${HOME}; exec "$@"`, 'sh', ...argv];
}

/** $1 = private key path. Creates an ed25519 pair where none exists; recreates a lost `.pub` from the private key. */
const KEYGEN = [
  HOME, 'umask 077',
  'if [ -f "$1" ]; then',
  '  [ -s "$1.pub" ] || ssh-keygen -y -f "$1" > "$1.pub"',
  'else',
  '  mkdir -p -- "$(dirname -- "$1")" && ssh-keygen -q -t ed25519 -N "" -f "$1" < /dev/null',
  'fi',
].join('\n');

export const keygenArgv = (identityFile: string): string[] => ['sh', '-c', KEYGEN, 'sh', identityFile];

/** Holds when the key pair exists (the keygen step is then skipped). */
export const keyPairExistsArgv = (identityFile: string): string[] => ['sh', '-c', `${HOME}; test -f "$1" && test -s "$1.pub"`, 'sh', identityFile];

export const readPublicKeyArgv = (identityFile: string): string[] => ['sh', '-c', `${HOME}; cat -- "$1.pub"`, 'sh', identityFile];

/**
 * $1 = authorized_keys path; stdin = one public key line. Appends it only when that key is absent; a new
 * file is created 600 in a new 700 directory (umask), an existing file keeps its mode and owner.
 */
const AUTHORIZE = [
  HOME, 'ak=$1', 'IFS= read -r line || [ -n "$line" ] || { echo "no public key on stdin" >&2; exit 3; }',
  'set -f; set -- $line; t=${1:-}; k=${2:-}',
  'case "$t" in ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) ;; *) echo "not an SSH public key: $t" >&2; exit 3;; esac',
  'case "$k" in ""|*[!A-Za-z0-9+/=]*) echo "malformed $t public key" >&2; exit 3;; esac',
  'umask 077',
  'mkdir -p -- "$(dirname -- "$ak")" || exit 1',
  'if [ -f "$ak" ] && grep -qF -- "$t $k" "$ak"; then echo "already authorized in $ak"; exit 0; fi',
  'if [ -s "$ak" ] && [ -n "$(tail -c 1 -- "$ak")" ]; then echo >> "$ak"; fi',
  'printf "%s\\n" "$line" >> "$ak" && echo "added to $ak"',
].join('\n');

export const authorizeArgv = (authorizedKeysFile: string): string[] => ['sh', '-c', AUTHORIZE, 'sh', authorizedKeysFile];

/**
 * $1 known_hosts, $2 its name for the target (`[host]:port`), $3 port, $4 host, $5 ssh-keyscan type, $6 key
 * type, $7 base64 key our own verified connection saw. Scans from THIS host, refuses on a different key
 * (exit 4) or a different known_hosts entry of that type (exit 5), appends only when absent.
 */
const KNOWN_HOST = [
  HOME,
  'got=$(ssh-keyscan -p "$3" -t "$5" "$4" 2>/dev/null | while read -r n t k; do if [ "$t" = "$6" ]; then printf %s "$k"; break; fi; done)',
  'if [ -z "$got" ]; then echo "ssh-keyscan on this host got no $6 key from $4 port $3" >&2; exit 3; fi',
  'if [ "$got" != "$7" ]; then echo "REFUSED: the $6 host key $4:$3 shows this host differs from the key our own verified SSH connection to it saw (possible man-in-the-middle between this host and $4); nothing written" >&2; exit 4; fi',
  'known=$(ssh-keygen -F "$2" -f "$1" 2>/dev/null | grep -v "^#" | while read -r n t k; do if [ "$t" = "$6" ]; then if [ "$k" = "$7" ]; then echo same; else echo other; fi; break; fi; done)',
  'if [ "$known" = same ]; then echo "$2 already in $1"; exit 0; fi',
  'if [ "$known" = other ]; then echo "$1 holds a different $6 key for $2: remove it (ssh-keygen -R \'$2\' -f $1) if the host was reinstalled" >&2; exit 5; fi',
  'umask 077',
  'mkdir -p -- "$(dirname -- "$1")" || exit 1',
  'if [ -s "$1" ] && [ -n "$(tail -c 1 -- "$1")" ]; then echo >> "$1"; fi',
  'printf "%s\\n" "$2 $6 $7" >> "$1" && echo "added $2 to $1"',
].join('\n');

/** ssh-keyscan's `-t` word for a key type. */
export function scanType(keyType: string): string | undefined {
  if (keyType === 'ssh-ed25519') return 'ed25519';
  if (keyType === 'ssh-rsa') return 'rsa';
  if (/^ecdsa-sha2-nistp(256|384|521)$/.test(keyType)) return 'ecdsa';
  return undefined;
}

export interface TrustedKey { readonly type: string; readonly key: string }

export function knownHostArgv(from: HostToHost, target: ClusterHost, to: HostToHost, key: TrustedKey): string[] {
  const t = scanType(key.type);
  if (!t) throw new Error(`ssh-keyscan cannot ask for a ${key.type} host key.`);
  return ['sh', '-c', KNOWN_HOST, 'sh', from.knownHostsFile, knownHostsName(target.host, to.port), String(to.port), target.host, t, key.type, key.key];
}

/** The proof: on the source host, `ssh` with BatchMode, strict host keys and only the configured key runs `true`. */
export function proveHopArgv(from: HostToHost, target: ClusterHost, to: HostToHost): string[] {
  const [ssh, ...rest] = hopSshArgv(from, target, to, ['true']);
  return inHome([ssh ?? 'ssh', '-o', 'IdentitiesOnly=yes', ...rest]);
}
