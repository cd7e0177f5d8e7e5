/** Who holds a cluster's operation lock, read without taking it (status's `operation-in-progress`). */
import { promises as fs } from 'node:fs';
import type { ClusterDefinition } from '../../inventory/model';
import { resolveSshTarget } from '../../remote/sshConfig';
import type { SshPool } from '../../remote/sshPool';
import { SshRemoteHost } from '../../remote/sshRemoteHost';
import type { LockHolderView } from '../../status/faultProblems';
import { readClusterLock, type ClusterLockOptions } from './clusterLock';
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

export interface OperationLockHolderOptions {
  /** The status's SSH pool: the query rides the connection its host probes open to the pgpool host. */
  readonly sshPool?: SshPool;
  readonly sshConfigText?: string;
  readonly timeoutMs?: number;
  /** The local lock's directory (default: the state directory's locks). */
  readonly dir?: string;
  /** Where this workstation keeps its id (default: the state directory). */
  readonly workstationDir?: string;
  readonly clusterLock?: Pick<ClusterLockOptions, 'dir' | 'staleAfterMs'>;
}

/**
 * Who holds the cluster's lock as an operator sees it: this workstation's lock file first, else the lock on the
 * pgpool host (an operation from another workstation), named by user@workstation, pid and start. The pgpool host
 * that cannot be asked (no SSH pool, no answer) simply adds nothing.
 */
export async function operationLockHolder(cluster: ClusterDefinition, options: OperationLockHolderOptions = {}): Promise<LockHolderView | undefined> {
  const local = await currentLockHolder(cluster.name, options.dir ? { dir: options.dir } : {}).catch(() => undefined);
  if (local) return local;
  const p = cluster.pgpool[0];
  if (!p || !options.sshPool) return undefined;
  const target = resolveSshTarget(p.host, { ...cluster.ssh, ...p.ssh }, options.sshConfigText !== undefined ? { sshConfigText: options.sshConfigText } : {});
  const reading = await readClusterLock(new SshRemoteHost(options.sshPool, target), cluster.name, {
    timeoutMs: options.timeoutMs ?? 3000, ...(options.workstationDir ? { workstationDir: options.workstationDir } : {}), ...options.clusterLock,
  }).catch(() => undefined);
  if (!reading) return undefined;
  const h = reading.holder;
  return {
    operation: h?.operation ?? 'an operation',
    pid: h?.pid ?? 0,
    host: `${h?.holder ?? 'an unreadable holder'}, lock on ${p.name}`,
    startedAt: h?.startedAt ?? 'an unknown time',
    heartbeatAt: new Date(Date.now() - reading.ageMs).toISOString(),
  };
}
