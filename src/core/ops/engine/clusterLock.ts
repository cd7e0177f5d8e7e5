/**
 * The cluster's lock as every workstation sees it: a directory on the pgpool host (mkdir is atomic), holding who
 * took it (user@workstation, pid, operation, start) and touched by the holder as a heartbeat. The pgpool host's own
 * clock judges the heartbeat's age, so workstation clocks do not matter. Stale rules as the local lock's: a holder
 * on this workstation counts while its process lives; another workstation's while its heartbeat is fresh. A stale
 * lock is taken over under a guard directory (mkdir again), so two takers never both win.
 * A PostgreSQL advisory lock would not do: it lives on the primary, which is what operations replace.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RemoteHost } from '../../remote/types';
import { LockError, processAlive, stateDir } from './lock';

/** On the pgpool host; `~/` is the SSH user's home there. */
export const CLUSTER_LOCK_DIR = '~/.pgpool-cluster/locks';

export interface ClusterLockHolder {
  /** user@hostname of the workstation. */
  readonly holder: string;
  /** Random, kept in the workstation's state directory: two homes on one machine are two workstations. */
  readonly workstation: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly operation: string;
  /** Unique per acquisition: only the taker's own token heartbeats, releases or replaces. */
  readonly token: string;
}

export interface ClusterLockOptions {
  /** Heartbeat older than this (pgpool host's clock) makes another workstation's lock stale; default 2 minutes. */
  readonly staleAfterMs?: number;
  readonly heartbeatMs?: number;
  /** Each SSH call's limit (default 10 s). */
  readonly timeoutMs?: number;
  readonly dir?: string;
  readonly signal?: AbortSignal;
  /** Where this workstation keeps its id (default: the state directory). */
  readonly workstationDir?: string;
}

/**
 * One fixed script: $1 action, $2 lock directory (`~/` resolved here), $3 cluster file name, $4 token, $5 holder line.
 * Prints `acquired`, `released`, `beat`, or `held AGE_SECONDS` then the holder's line and token.
 * `query` only reads: `free`, or `held AGE_SECONDS` then the holder's line (never the token).
 */
const SCRIPT = `a=$1; d=$2; k=$4; case "$d" in "~/"*) d="$HOME/\${d#"~/"}";; esac; L="$d/$3.lock"; G="$L.takeover"
mine() { [ "$(sed -n 2p "$L/holder" 2>/dev/null)" = "$k" ]; }
case "$a" in
acquire)
  mkdir -p "$d" || exit 2
  if mkdir "$L" 2>/dev/null; then printf '%s\\n%s\\n' "$5" "$4" > "$L/holder"; echo acquired; exit 0; fi
  # The holder is read before its age: a takeover in between makes the age fresh, never a new holder look old.
  c=$(cat "$L/holder" 2>/dev/null); now=$(date +%s); t=$(stat -c %Y "$L/holder" 2>/dev/null || stat -c %Y "$L" 2>/dev/null || echo "$now")
  echo "held $((now - t))"; printf '%s\n' "$c"; exit 0;;
takeover)
  # $4 is the stale holder's token here; $5 our holder line, $6 our token.
  if ! mkdir "$G" 2>/dev/null; then
    now=$(date +%s); t=$(stat -c %Y "$G" 2>/dev/null || echo "$now"); [ $((now - t)) -gt 10 ] && rmdir "$G" 2>/dev/null; echo busy; exit 0
  fi
  if [ ! -d "$L" ] || mine; then rm -rf "$L"; mkdir "$L" && printf '%s\\n%s\\n' "$5" "$6" > "$L/holder" && { rmdir "$G"; echo acquired; exit 0; }; fi
  rmdir "$G"; echo busy; exit 0;;
query) [ -d "$L" ] || { echo free; exit 0; }
  c=$(sed -n 1p "$L/holder" 2>/dev/null); now=$(date +%s); t=$(stat -c %Y "$L/holder" 2>/dev/null || stat -c %Y "$L" 2>/dev/null || echo "$now")
  echo "held $((now - t))"; printf '%s\n' "$c"; exit 0;;
beat) mine && touch "$L/holder" && echo beat; exit 0;;
release) if mine; then rm -rf "$L"; echo released; fi; exit 0;;
esac
exit 2`;

export const clusterLockArgv = (action: string, dir: string, cluster: string, ...rest: string[]): string[] =>
  ['sh', '-c', SCRIPT, 'pgpool-cluster-lock', action, dir, safeName(cluster), ...rest];

const safeName = (cluster: string): string => cluster.replace(/[^A-Za-z0-9_.-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** This workstation's id, created once in its state directory. */
export async function workstationId(dir = stateDir()): Promise<string> {
  const file = path.join(dir, 'workstation-id');
  try {
    const id = (await fs.readFile(file, 'utf8')).trim();
    if (/^[0-9a-f]{16}$/.test(id)) return id;
  } catch { /* created below */ }
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const id = randomBytes(8).toString('hex');
  await fs.writeFile(file, `${id}\n`, { mode: 0o600 });
  return id;
}

/** The holder line: tab-separated, parsed back by parseHolder. */
export const holderLine = (h: Omit<ClusterLockHolder, 'token'>): string =>
  [h.holder, h.workstation, String(h.pid), h.startedAt, h.operation.replace(/[\t\n]/g, ' ')].join('\t');

export function parseHolder(line: string): Omit<ClusterLockHolder, 'token'> | undefined {
  const [holder, workstation, pid, startedAt, operation] = line.split('\t');
  if (!holder || !workstation || !pid || !startedAt) return undefined;
  return { holder, workstation, pid: Number(pid), startedAt, operation: operation ?? '?' };
}

/** Whether a lock held as `h`, last touched `ageMs` ago, may be taken over by workstation `me`. */
export function clusterLockStale(h: Omit<ClusterLockHolder, 'token'> | undefined, ageMs: number, me: string, staleAfterMs: number, alive = processAlive): boolean {
  if (!h) return ageMs > staleAfterMs;
  if (h.workstation === me) return !alive(h.pid);
  return ageMs > staleAfterMs;
}

/** The error a second operator gets; the same words in the CLI and the editor. */
export function heldError(cluster: string, h: Omit<ClusterLockHolder, 'token'> | undefined, where: string): LockError {
  const who = h ? `${h.holder} (pid ${h.pid}, ${h.operation})` : 'an unreadable holder';
  return new LockError(`operation-in-progress: held by ${who} since ${h?.startedAt ?? 'an unknown time'} on cluster ${cluster} (lock on ${where}). `
    + 'Wait for it to finish; a holder that died is taken over once its heartbeat is 2 minutes old.');
}

export interface HeldClusterLock {
  release(): Promise<void>;
}

const tokenFor = (): string => randomBytes(12).toString('hex');

/** Takes the cluster lock on `host` (the pgpool host); throws LockError when another operation holds it. */
export async function acquireClusterLock(host: RemoteHost, cluster: string, operation: string, options: ClusterLockOptions = {}): Promise<HeldClusterLock> {
  const dir = options.dir ?? CLUSTER_LOCK_DIR;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const me = await workstationId(options.workstationDir);
  const line = holderLine({ holder: `${os.userInfo().username}@${os.hostname()}`, workstation: me, pid: process.pid, startedAt: new Date().toISOString(), operation });
  const token = tokenFor();
  const run = async (argv: string[]): Promise<string> => {
    const r = await host.exec(argv, { timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
    if (r.timedOut) throw new Error(`no answer from ${host.label} within ${timeoutMs} ms`);
    if (r.cancelled) throw new Error('cancelled');
    if (r.code !== 0) throw new Error(`exit ${r.code ?? r.signal ?? 'none'} on ${host.label}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    const out = (await run(clusterLockArgv('acquire', dir, cluster, token, line))).split('\n');
    if (out[0] === 'acquired') return heldClusterLock(host, dir, cluster, token, options.heartbeatMs ?? 10_000, timeoutMs);
    const age = Number(/^held (-?\d+)/.exec(out[0] ?? '')?.[1] ?? 0) * 1000;
    const h = parseHolder(out[1] ?? '');
    if (!clusterLockStale(h, age, me, options.staleAfterMs ?? 120_000)) throw heldError(cluster, h, host.label);
    // Stale: replace exactly the holder judged stale (its token, read with it), so a newer holder is never removed.
    const took = (await run(clusterLockArgv('takeover', dir, cluster, out[2] ?? '', line, token))).trim();
    if (took === 'acquired') return heldClusterLock(host, dir, cluster, token, options.heartbeatMs ?? 10_000, timeoutMs);
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
  }
  throw new LockError(`Could not take the cluster lock of ${cluster} on ${host.label}; another workstation keeps taking it.`);
}

function heldClusterLock(host: RemoteHost, dir: string, cluster: string, token: string, everyMs: number, timeoutMs: number): HeldClusterLock {
  const timer = setInterval(() => {
    void host.exec(clusterLockArgv('beat', dir, cluster, token), { timeoutMs }).catch(() => undefined);
  }, everyMs);
  timer.unref();
  return {
    release: async () => {
      clearInterval(timer);
      await host.exec(clusterLockArgv('release', dir, cluster, token), { timeoutMs }).catch(() => undefined);
    },
  };
}

/** This workstation's id if it has one (read only: a status never creates it). */
export async function existingWorkstationId(dir = stateDir()): Promise<string | undefined> {
  try {
    const id = (await fs.readFile(path.join(dir, 'workstation-id'), 'utf8')).trim();
    return /^[0-9a-f]{16}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

export interface ClusterLockReading {
  readonly holder: Omit<ClusterLockHolder, 'token'> | undefined;
  /** Since the holder's last heartbeat, by the pgpool host's clock. */
  readonly ageMs: number;
}

/**
 * Who holds the cluster lock on `host`, read without taking it (one short SSH exec: status's
 * `operation-in-progress` for another workstation's operation). Undefined when free or stale by the same rules
 * as acquireClusterLock, so a status never names a holder an operation would take over.
 */
export async function readClusterLock(host: RemoteHost, cluster: string, options: Pick<ClusterLockOptions, 'dir' | 'timeoutMs' | 'signal' | 'workstationDir' | 'staleAfterMs'> = {}): Promise<ClusterLockReading | undefined> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const r = await host.exec(clusterLockArgv('query', options.dir ?? CLUSTER_LOCK_DIR, cluster), { timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
  if (r.code !== 0 || r.timedOut || r.cancelled) return undefined;
  const out = r.stdout.split('\n');
  const m = /^held (-?\d+)/.exec(out[0] ?? '');
  if (!m) return undefined;
  const ageMs = Math.max(0, Number(m[1]) * 1000);
  const holder = parseHolder(out[1] ?? '');
  const me = await existingWorkstationId(options.workstationDir);
  if (clusterLockStale(holder, ageMs, me ?? '', options.staleAfterMs ?? 120_000)) return undefined;
  return { holder, ageMs };
}
