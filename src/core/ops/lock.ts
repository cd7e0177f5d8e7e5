/**
 * One operation per cluster at a time: a lock file holding pid, host and start time. A lock whose process
 * is gone (on this host) or that is older than `staleAfterMs` is taken over, so a crash never blocks forever.
 */
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly operation: string;
}

export class LockError extends Error {
  constructor(message: string, readonly holder?: LockInfo) {
    super(message);
    this.name = 'LockError';
  }
}

export interface LockOptions {
  /** Directory for lock files; default $PGPOOL_CLUSTER_STATE_DIR/locks or ~/.pgpool-cluster/locks. */
  readonly dir?: string;
  /** Default 30 minutes: longer than any single step's own timeout except a base backup. */
  readonly staleAfterMs?: number;
  readonly now?: () => number;
}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.PGPOOL_CLUSTER_STATE_DIR ?? path.join(os.homedir(), '.pgpool-cluster');
}

export function lockPath(cluster: string, dir?: string): string {
  const safe = cluster.replace(/[^A-Za-z0-9_.-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return path.join(dir ?? path.join(stateDir(), 'locks'), `${safe}.lock`);
}

/** True when the process exists and is not a zombie (PID 1 here reaps late: check /proc state too). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return true;
  }
}

export function isStale(info: LockInfo, now: number, staleAfterMs: number): boolean {
  const age = now - Date.parse(info.startedAt);
  if (!Number.isFinite(age) || age > staleAfterMs) return true;
  return info.host === os.hostname() && !processAlive(info.pid);
}

export interface HeldLock {
  readonly path: string;
  release(): Promise<void>;
}

export async function acquireLock(cluster: string, operation: string, options: LockOptions = {}): Promise<HeldLock> {
  const file = lockPath(cluster, options.dir);
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const now = options.now ?? Date.now;
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: new Date(now()).toISOString(), operation };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(file, `${JSON.stringify(mine)}\n`, { flag: 'wx', mode: 0o600 });
      return {
        path: file,
        release: async () => {
          try {
            const cur = JSON.parse(await fs.readFile(file, 'utf8')) as LockInfo;
            if (cur.pid === mine.pid && cur.startedAt === mine.startedAt) await fs.unlink(file);
          } catch { /* already gone */ }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder: LockInfo | undefined;
    try {
      holder = JSON.parse(await fs.readFile(file, 'utf8')) as LockInfo;
    } catch { /* unreadable or half-written: treat as stale */ }
    if (holder && !isStale(holder, now(), options.staleAfterMs ?? 30 * 60_000)) {
      throw new LockError(`Another operation (${holder.operation}, pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}) is running on cluster ${cluster}. `
        + `Wait for it; if it is gone, delete ${file}.`, holder);
    }
    await fs.unlink(file).catch(() => undefined);
  }
  throw new LockError(`Could not take the lock ${file} for cluster ${cluster}; another process keeps taking it.`);
}
