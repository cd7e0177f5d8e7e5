/**
 * Problems that name a fault rather than a role disagreement: a partition, a full disk, rejected credentials, a
 * changed host key, an operation under way. Pure: they are read from the merged status, the errors it carries,
 * what SSH said about each host and who holds the cluster lock. Each message is one sentence that says what to do.
 */
import type { ClusterStatus, NodeStatus, Problem, ProblemCode } from './model';
import { describeFenceMark, type FenceMark } from './fenceMark';

/** What an SSH look at one host found (absent fields: not probed). */
export interface HostProbe {
  /** The node's or pgpool's name in the cluster file. */
  readonly name: string;
  readonly host: string;
  readonly kind: 'node' | 'pgpool';
  /** The SSH login's failure: a RemoteError code (`host-key-changed`, `auth-failed`, ...) and its message. */
  readonly sshError?: { readonly code: string; readonly message: string };
  /** The SSH login succeeded (true) or got no answer (false): a host that answers SSH is not cut off from here. */
  readonly reached?: boolean;
  /** `df` of the data directory and its pg_wal (the same filesystem twice when pg_wal is not a link elsewhere). */
  readonly disks?: readonly DiskUsage[];
  /** The node's fence mark (read with the disks): it was fenced and not yet recovered. */
  readonly fence?: FenceMark;
}

export interface DiskUsage {
  readonly path: string;
  readonly sizeKiB: number;
  readonly availKiB: number;
  readonly mount?: string;
}

/** Who holds the cluster lock (ops/lock.ts `LockInfo`, read without taking it). */
export interface LockHolderView {
  readonly operation: string;
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly heartbeatAt?: string;
}

export interface FaultProblemInput {
  readonly hosts?: readonly HostProbe[];
  readonly lock?: LockHolderView;
  /** pcp's error when a pcp call was made (`pcp_node_count`...), to tell rejected pcp credentials. */
  readonly pcpError?: string;
}

/** A filesystem with less room than one WAL segment cannot take the next one: PostgreSQL stops there. */
export const DISK_FULL_BELOW_KIB = 16 * 1024;

const AUTH_REJECTED = /password authentication failed|authentication failed|no password supplied|no pg_hba\.conf entry|pool_passwd|invalid password/i;
const NO_SPACE = /no space left on device|could not extend file|disk full|could not write to file.*space/i;
/** A connection that never got an answer (a cut network), as opposed to one refused by a live host. */
const REFUSED = /econnrefused|connection refused/i;
const NO_ROUTE = /no answer within|timed? ?out|timeout|ehostunreach|enetunreach|host unreachable|no route/i;

/** An embedded error as part of one sentence: one line, no trailing full stop. */
const oneLine = (s: string | undefined): string => (s ?? '').replace(/\s+/g, ' ').trim().replace(/\.+$/, '');

export function isCredentialsError(message: string | undefined): boolean {
  return message !== undefined && AUTH_REJECTED.test(message);
}

export function isNoSpaceError(message: string | undefined): boolean {
  return message !== undefined && NO_SPACE.test(message);
}

/** `df -Pk PATH...` output (POSIX format: Filesystem 1024-blocks Used Available Capacity Mounted-on). */
export function parseDf(out: string, paths: readonly string[]): DiskUsage[] {
  const lines = out.trim().split('\n').slice(1).filter((l) => l.trim() !== '');
  return lines.flatMap((line, i) => {
    const f = line.trim().split(/\s+/);
    const size = Number(f[1]);
    const avail = Number(f[3]);
    if (f.length < 6 || !Number.isFinite(size) || !Number.isFinite(avail)) return [];
    return [{ path: paths[i] ?? f[5]!, sizeKiB: size, availKiB: avail, mount: f.slice(5).join(' ') }];
  });
}

/** The message of split brain, naming the node pgpool sends writes to, and what to do. */
export function splitBrainMessage(names: readonly string[], routedTo: string | undefined): string {
  const who = names.length === 2 ? `${names.join(' and ')} both accept writes` : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''} all accept writes`;
  const others = names.filter((n) => n !== routedTo);
  const route = routedTo !== undefined
    ? `pgpool sends writes to ${routedTo}, so keep it: Fence ${others.join(' and ')} (pgpool-cluster fence NODE), then Recover ${others.length > 1 ? 'them' : 'it'} as a standby.`
    : 'pgpool sends writes to none of them: choose the one to keep, Fence the others (pgpool-cluster fence NODE), then Recover them as standbys.';
  return `Split brain: ${who} (out of recovery); ${route}`;
}

/** The message of a false primary: pgpool does not route to it, a client that connects to it directly writes there. */
export function falsePrimaryMessage(node: string, routedTo: string | undefined): string {
  const seen = 'pgpool treats it as a standby';
  return `${node} is a false primary: it accepts writes but ${seen}${routedTo ? ` and sends writes to ${routedTo}` : ''}; do not attach it: Fence it (pgpool-cluster fence ${node}), then Recover it as a standby.`;
}

/** The node pgpool sends writes to: its primary that it has up. */
export function pgpoolWriteTarget(status: Pick<ClusterStatus, 'nodes'>): string | undefined {
  return status.nodes.find((n) => n.pgpool?.role === 'primary' && (n.pgpool.status === 'up' || n.pgpool.status === 'waiting'))?.name;
}

const ms = (t: string | undefined): number | undefined => {
  if (!t) return undefined;
  const v = Date.parse(t.includes('T') ? t : t.replace(' ', 'T'));
  return Number.isFinite(v) ? v : undefined;
};

/** pgpool's own view says it cannot reach the node now: its latest health check failed, or pg_status says down. */
function pgpoolCannotReach(n: NodeStatus): boolean {
  const p = n.pgpool;
  if (!p) return false;
  // pgpool skips health checks of a node it has down: only its fresh probe (4.3+ pg_status) counts then.
  if (p.status === 'down' || p.status === 'quarantine') return p.pgStatus === 'down';
  const failed = ms(p.lastFailedHealthCheck);
  const okAt = ms(p.lastSuccessfulHealthCheck);
  if (failed !== undefined && (okAt === undefined || failed > okAt)) return true;
  if (okAt !== undefined) return false;
  return p.pgStatus === 'down';
}

/** pgpool's own view says it reaches the node now. */
function pgpoolReaches(n: NodeStatus): boolean {
  const p = n.pgpool;
  if (!p || (p.status !== 'up' && p.status !== 'waiting')) return false;
  const failed = ms(p.lastFailedHealthCheck);
  const okAt = ms(p.lastSuccessfulHealthCheck);
  if (okAt !== undefined) return failed === undefined || okAt > failed;
  return p.pgStatus === 'up' || p.pgStatus === 'waiting';
}

export function faultProblems(status: ClusterStatus, input: FaultProblemInput = {}): Problem[] {
  const out: Problem[] = [];
  const add = (code: ProblemCode, severity: Problem['severity'], nodes: string[], message: string): void => {
    out.push({ code, severity, nodes, message });
  };
  const hosts = input.hosts ?? [];

  for (const n of status.nodes) {
    const err = n.postgres.error;
    if (!n.postgres.reachable && isCredentialsError(err)) {
      add('credentials-rejected', 'error', [n.name], `${n.name} refused the database login (${oneLine(err).split('. ')[0]}); fix the password in the .pgpass file named by database.passfile (mode 0600), or the role's password on the server.`);
    }
    const probe = hosts.find((h) => h.kind === 'node' && h.name === n.name);
    const full = probe?.disks?.filter((d) => d.availKiB < DISK_FULL_BELOW_KIB) ?? [];
    if (full.length > 0 || isNoSpaceError(err)) {
      const where = full.length > 0
        ? `${[...new Set(full.map((d) => d.path))].join(' and ')} on ${n.host} ha${full.length > 1 ? 've' : 's'} ${Math.round(Math.min(...full.map((d) => d.availKiB)) / 1024)} MB free`
        : `${n.host} says: ${oneLine(err) || 'no space left on device'}`;
      add('disk-full', 'error', [n.name], `${n.name}'s disk is full (${where}): free space there (old files in pg_wal's filesystem, a bigger volume), then restart PostgreSQL; a standby that stopped may need Recover.`);
    }
    // A node whose disk is full crashes and restarts in a loop: pgpool's failed checks are the node, not the network.
    const diskFull = full.length > 0 || isNoSpaceError(err);
    if (diskFull) {
      // (disk-full above says it)
    } else if (n.postgres.reachable && n.pgpool && pgpoolCannotReach(n)) {
      add('partitioned', 'error', [n.name], `pgpool cannot reach ${n.name} but this workstation can: the network between pgpool's host and ${n.host} is cut; repair it, and keep clients off ${n.name} while pgpool ${n.pgpool.status === 'down' ? 'has it down' : 'fails it over'}.`);
    } else if (!n.postgres.reachable && NO_ROUTE.test(err ?? '') && pgpoolReaches(n) && probe?.reached !== true) {
      add('partitioned', 'error', [n.name], `pgpool reaches ${n.name} but this workstation gets no answer from ${n.host}: the network between here and there is cut (or ${n.name} froze just now); repair that link before running operations from here.`);
    }
  }
  // Only when every node answers: a silent node can hang pgpool too (a frozen primary), which is not a partition.
  // pgpool's host answering SSH means pgpool itself hangs (a failover under way), not the network.
  const pgpoolHost = hosts.find((h) => h.kind === 'pgpool' && h.name === status.pgpool.name);
  if (!status.pgpool.reachable && NO_ROUTE.test(status.pgpool.error ?? '') && status.nodes.length > 0
    && status.nodes.every((n) => n.postgres.reachable) && pgpoolHost?.reached !== true) {
    add('partitioned', 'error', [], `pgpool ${status.pgpool.name} (${status.pgpool.host}) gets no answer from this workstation although the nodes do: the network to pgpool's host is cut (or pgpool froze); clients that go through pgpool cannot write until it is repaired.`);
  }
  // Refused (not timed out) while its host answers SSH: nothing listens on pgpool's port, pgpool is not running.
  if (!status.watchdog && !status.pgpool.reachable && REFUSED.test(status.pgpool.error ?? '') && pgpoolHost?.reached === true && !pgpoolHost.sshError) {
    add('pgpool-down', 'error', [], `pgpool ${status.pgpool.name} is not running: ${status.pgpool.host}:${status.pgpool.port} refuses connections while the host answers SSH, so clients that go through pgpool cannot connect; start it (pgpool-cluster pgpool start ${status.pgpool.name}), then read its log for why it stopped.`);
  }
  if (!status.pgpool.reachable && isCredentialsError(status.pgpool.error)) {
    add('credentials-rejected', 'error', [], `pgpool ${status.pgpool.name} refused the database login (${oneLine(status.pgpool.error).split('. ')[0]}); fix the password in the .pgpass file named by database.passfile, and in pgpool's pool_passwd (pg_enc) if the role's password changed.`);
  }
  if (input.pcpError !== undefined && isCredentialsError(input.pcpError)) {
    add('credentials-rejected', 'error', [], `pcp refused the login (${oneLine(input.pcpError)}); fix the pcpUser entry in the .pcppass file (pcpPassFile) and pcp.conf on the pgpool host.`);
  }

  for (const h of hosts) {
    if (h.kind === 'node' && h.fence) {
      add('fenced', 'warning', [h.name], `${h.name} is fenced (${describeFenceMark(h.fence)}): pgpool's follow_primary leaves it alone; run "pgpool-cluster recover ${h.name}" to rejoin it as a standby.`);
    }
    const nodes = h.kind === 'node' ? [h.name] : [];
    if (h.sshError?.code === 'host-key-changed') {
      add('host-key-changed', 'error', nodes, `The SSH host key of ${h.name} (${h.host}) is not the one in known_hosts, so nothing connects to it: if the host was reinstalled, remove its old line (ssh-keygen -R ${h.host}) and verify the new fingerprint; otherwise someone may be intercepting the connection.`);
    } else if (h.sshError?.code === 'auth-failed') {
      add('credentials-rejected', 'error', nodes, `SSH to ${h.name} (${h.host}) refused the login: ${oneLine(h.sshError.message)}; operations on it cannot run until the key (or its passphrase) is accepted.`);
    }
  }

  if (input.lock) {
    const l = input.lock;
    add('operation-in-progress', 'warning', [], `${l.operation} is running on cluster ${status.name} (pid ${l.pid} on ${l.host}, since ${l.startedAt}${l.heartbeatAt && l.heartbeatAt !== l.startedAt ? `, last heartbeat ${l.heartbeatAt}` : ''}): wait for it to finish before starting another operation.`);
  }
  return out;
}

/** The status with fault problems added: to the list, to each node's codes, and to the health. */
export function withFaultProblems(status: ClusterStatus, input: FaultProblemInput = {}): ClusterStatus {
  const extra = faultProblems(status, input);
  if (extra.length === 0) return status;
  // A refused login (or a stopped pgpool) is the reason, not a second problem: node-unreachable / pgpool-unreachable give way to it.
  const refused = new Set(extra.filter((p) => p.code === 'credentials-rejected').flatMap((p) => p.nodes));
  const byLogin = (e: string | undefined): boolean => isCredentialsError(e) || /authentication|passphrase/i.test(e ?? '');
  const loginRefused = (name: string): boolean => refused.has(name) && byLogin(status.nodes.find((x) => x.name === name)?.postgres.error);
  const pgpoolRefused = !status.pgpool.reachable && (isCredentialsError(status.pgpool.error) || extra.some((p) => p.code === 'pgpool-down'));
  const kept = status.problems.filter((p) => !(p.code === 'node-unreachable' && p.nodes.length > 0 && p.nodes.every(loginRefused))
    && !(p.code === 'pgpool-unreachable' && pgpoolRefused && p.message.startsWith(`pgpool ${status.pgpool.name} (`)));
  const problems = [...kept, ...extra];
  const nodes = status.nodes.map((n) => {
    const codes = extra.filter((p) => p.nodes.includes(n.name)).map((p) => p.code);
    const own = loginRefused(n.name) ? n.problems.filter((c) => c !== 'node-unreachable') : n.problems;
    return codes.length === 0 ? n : { ...n, problems: [...new Set([...own, ...codes])] };
  });
  const health = status.health === 'unreachable' ? 'unreachable' : 'degraded';
  return { ...status, problems, nodes, health };
}
