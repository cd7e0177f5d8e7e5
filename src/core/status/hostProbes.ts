/**
 * What SSH says about each host of a cluster, for the fault problems: whether the login works (a changed host key,
 * a refused key), and, for a node that stopped answering or streaming, how full its data directory and pg_wal are.
 * Every probe is bounded by the refresh's time limit; a host that does not answer is simply not reported here.
 */
import type { ClusterDefinition, NodeDefinition, PgpoolInstance } from '../inventory/model';
import { isRemoteError } from '../remote/errors';
import { resolveSshTarget, type SshTarget } from '../remote/sshConfig';
import type { SshPool } from '../remote/sshPool';
import { parseDf, type DiskUsage, type HostProbe } from './faultProblems';
import { fenceMarkReadArgv, parseFenceMark, type FenceMark } from './fenceMark';
import type { ClusterStatus } from './model';

export interface HostProbeOptions {
  readonly sshPool: SshPool;
  readonly sshConfigText?: string;
  readonly timeoutMs: number;
}

/** A node whose disk (and fence mark) is worth a look: it does not answer, does not stream, said something about space, or pgpool has it down. */
function suspect(status: ClusterStatus, def: NodeDefinition): boolean {
  const n = status.nodes.find((x) => x.name === def.name);
  return !n || !n.postgres.reachable || n.problems.includes('not-streaming') || n.detached || n.status === 'down';
}

/** Logs in to every host at once (while the SQL probes run); `status` is awaited only to pick the disks to look at. */
export async function probeHosts(cluster: ClusterDefinition, statusOf: Promise<ClusterStatus>, options: HostProbeOptions): Promise<HostProbe[]> {
  const target = (d: NodeDefinition | PgpoolInstance): SshTarget =>
    resolveSshTarget(d.host, { ...cluster.ssh, ...d.ssh }, options.sshConfigText !== undefined ? { sshConfigText: options.sshConfigText } : {});
  const one = async (d: NodeDefinition | PgpoolInstance, kind: HostProbe['kind']): Promise<HostProbe | undefined> => {
    const base = { name: d.name, host: d.host, kind };
    let t: SshTarget;
    try {
      t = target(d);
    } catch {
      return undefined;
    }
    const signal = AbortSignal.timeout(options.timeoutMs);
    try {
      await options.sshPool.client(t, signal);
    } catch (err) {
      if (isRemoteError(err) && (err.code === 'host-key-changed' || err.code === 'auth-failed')) return { ...base, reached: true, sshError: { code: err.code, message: err.message } };
      return isRemoteError(err) && (err.code === 'timeout' || err.code === 'cancelled' || (err.code === 'connect-failed' && /unreachable|timed out/.test(err.message)))
        ? { ...base, reached: false } : undefined;
    }
    if (kind !== 'node') return { ...base, reached: true };
    const status = await statusOf.catch(() => undefined);
    if (!status || !suspect(status, d as NodeDefinition)) return { ...base, reached: true };
    const dataDir = (d as NodeDefinition).dataDirectory;
    if (!dataDir?.startsWith('/')) return { ...base, reached: true };
    const paths = [dataDir, `${dataDir.replace(/\/+$/, '')}/pg_wal`];
    const disks: DiskUsage[] = [];
    let fence: FenceMark | undefined;
    await Promise.all([...paths.map(async (p) => {
      try {
        const r = await options.sshPool.exec(t, ['df', '-Pk', p], { timeoutMs: options.timeoutMs, signal });
        if (r.code === 0) disks.push(...parseDf(r.stdout, [p]));
      } catch { /* no answer in time: nothing to report */ }
    }), (async () => {
      try {
        const r = await options.sshPool.exec(t, fenceMarkReadArgv(dataDir), { timeoutMs: options.timeoutMs, signal });
        if (r.code === 0) fence = parseFenceMark(r.stdout);
      } catch { /* no answer in time: nothing to report */ }
    })()]);
    disks.sort((a, b) => paths.indexOf(a.path) - paths.indexOf(b.path));
    return { ...base, reached: true, disks, ...(fence ? { fence } : {}) };
  };
  const all = await Promise.all([
    ...cluster.pgpool.map((p) => one(p, 'pgpool')),
    ...cluster.nodes.map((n) => one(n, 'node')),
  ]);
  return all.filter((h): h is HostProbe => h !== undefined);
}
