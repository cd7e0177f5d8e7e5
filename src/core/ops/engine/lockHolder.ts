/** Who holds a cluster's operation lock, read without taking it (status's `operation-in-progress`). */
import { promises as fs } from 'node:fs';
import { isStale, lockPath, type LockInfo, type LockOptions } from './lock';

/** The live holder of the cluster's lock; undefined when free, unreadable or held by a dead process. */
export async function currentLockHolder(cluster: string, options: Pick<LockOptions, 'dir' | 'staleAfterMs' | 'now'> = {}): Promise<LockInfo | undefined> {
  let info: LockInfo;
  try {
    info = JSON.parse(await fs.readFile(lockPath(cluster, options.dir), 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
  if (typeof info.pid !== 'number' || typeof info.host !== 'string' || typeof info.operation !== 'string') return undefined;
  return isStale(info, (options.now ?? Date.now)(), options.staleAfterMs ?? 2 * 60_000) ? undefined : info;
}
