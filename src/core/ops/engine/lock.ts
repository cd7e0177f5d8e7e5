/**
 * One operation per cluster at a time: a lock file holding pid, host, start time and a heartbeat. A holder on
 * this host counts while its process lives, however long it runs; another host's counts while its heartbeat is
 * fresh. A dead holder's lock is taken over atomically, so a crash never blocks forever and two takers never
 * both win.
 */
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  /** Refreshed by the holder while it runs; another host judges staleness by it. */
  readonly heartbeatAt?: string;
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
  /** Another host's lock whose heartbeat is older than this is stale (default 2 minutes, 12 missed beats). */
  readonly staleAfterMs?: number;
  readonly now?: () => number;
  /** How often the holder refreshes its heartbeat (default HEARTBEAT_MS). */
  readonly heartbeatMs?: number;
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

/**
 * A holder on this host is stale only when its process is gone, whatever the lock's age (a long base backup
 * is still running). A holder on another host is stale when its heartbeat (refreshed by the holder every
 * `HEARTBEAT_MS`) is older than `staleAfterMs`.
 */
export function isStale(info: LockInfo, now: number, staleAfterMs: number): boolean {
  if (info.host === os.hostname()) return !processAlive(info.pid);
  const beat = Date.parse(info.heartbeatAt ?? info.startedAt);
  return !Number.isFinite(beat) || now - beat > staleAfterMs;
}

export interface HeldLock {
  readonly path: string;
  release(): Promise<void>;
}

/** How often a holder refreshes its heartbeat. */
export const HEARTBEAT_MS = 10_000;
/** A takeover guard older than this was left by a process that died while taking over. */
const GUARD_STALE_MS = 10_000;

const sameHolder = (a: LockInfo | undefined, b: LockInfo): boolean => a !== undefined && a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;

async function readHolder(file: string): Promise<LockInfo | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/** Creates `file` holding `info` only if it does not exist: written aside, then hard-linked (atomic). */
async function createExclusive(file: string, info: LockInfo): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(info)}\n`, { mode: 0o600 });
  try {
    await fs.link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await fs.unlink(tmp).catch(() => undefined);
  }
}

/**
 * Replaces a stale holder's lock with ours, under a guard directory (mkdir is atomic), so two processes that
 * both find the same dead holder cannot both take over: the second one finds the first one's live lock.
 */
async function takeOver(file: string, stale: LockInfo | undefined, mine: LockInfo, now: () => number): Promise<boolean> {
  const guard = `${file}.takeover`;
  try {
    await fs.mkdir(guard, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const st = await fs.stat(guard).catch(() => undefined);
    if (st && now() - st.mtimeMs > GUARD_STALE_MS) await fs.rmdir(guard).catch(() => undefined);
    return false;
  }
  try {
    const current = await readHolder(file);
    // Someone else took over (or released) between our read and the guard: start again.
    if (stale ? !sameHolder(current, stale) : current !== undefined) return false;
    await fs.unlink(file).catch(() => undefined);
    return await createExclusive(file, mine);
  } finally {
    await fs.rmdir(guard).catch(() => undefined);
  }
}

export async function acquireLock(cluster: string, operation: string, options: LockOptions = {}): Promise<HeldLock> {
  const file = lockPath(cluster, options.dir);
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const now = options.now ?? Date.now;
  const startedAt = new Date(now()).toISOString();
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), startedAt, heartbeatAt: startedAt, operation };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await createExclusive(file, mine)) return held(file, mine, now, options.heartbeatMs ?? HEARTBEAT_MS);
    const holder = await readHolder(file);
    if (holder && !isStale(holder, now(), options.staleAfterMs ?? 2 * 60_000)) {
      throw new LockError(`operation-in-progress: held by pid ${holder.pid} on ${holder.host} (${holder.operation}) since ${holder.startedAt} on cluster ${cluster}. `
        + `Wait for it; if that process is gone and its host cannot say so, delete ${file}.`, holder);
    }
    if (await takeOver(file, holder, mine, now)) return held(file, mine, now, options.heartbeatMs ?? HEARTBEAT_MS);
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 50));
  }
  throw new LockError(`Could not take the lock ${file} for cluster ${cluster}; another process keeps taking it.`);
}

/** The lock we hold: its heartbeat refreshed in place while we hold it; released only if it is still ours. */
function held(file: string, mine: LockInfo, now: () => number, everyMs: number): HeldLock {
  const timer = setInterval(() => {
    void (async () => {
      const cur = await readHolder(file);
      if (!sameHolder(cur, mine)) return;
      const tmp = `${file}.${process.pid}.beat`;
      await fs.writeFile(tmp, `${JSON.stringify({ ...mine, heartbeatAt: new Date(now()).toISOString() })}\n`, { mode: 0o600 });
      await fs.rename(tmp, file);
    })().catch(() => undefined);
  }, everyMs);
  timer.unref();
  return {
    path: file,
    release: async () => {
      clearInterval(timer);
      if (sameHolder(await readHolder(file), mine)) await fs.unlink(file).catch(() => undefined);
    },
  };
}
