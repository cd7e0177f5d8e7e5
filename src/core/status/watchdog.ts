/**
 * A watchdog cluster seen from every pgpool node: each one's pcp_watchdog_info (run on its own host against its
 * own pcp port) and each host's own addresses (`ip -o addr`: the VIP is held where the kernel has it, whatever
 * pgpool believes). `analyseWatchdog` is pure: probes in, roles, leader, quorum, VIP holders and problems out.
 */
import { PcpError, runPcp } from '../db/pcp';
import type { PgpoolNodeView } from '../db/poolNodes';
import { parseWatchdogInfo, type WatchdogInfo, type WatchdogNodeInfo, type WatchdogQuorum } from '../db/watchdogInfo';
import type { ClusterDefinition, PgpoolInstance } from '../inventory/model';
import { holdsAddress, parseIpAddrLines, type InterfaceAddress } from '../remote/ipAddr';
import type { RemoteHost } from '../remote/types';
import { health } from './merge';
import type { ClusterStatus, PgpoolStatus, Problem } from './model';
import type { PgpoolBackendView, PgpoolWatchdogView, WatchdogStatus } from './watchdogModel';

export interface WatchdogProbe {
  /** Cluster file name of the pgpool instance. */
  readonly name: string;
  readonly info?: WatchdogInfo;
  readonly infoError?: string;
  readonly addresses?: readonly InterfaceAddress[];
  readonly addressError?: string;
}

const msg = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Asks one pgpool host for its watchdog view and its addresses (both over SSH, at once). */
export async function probeWatchdogHost(inst: PgpoolInstance, remote: RemoteHost, timeoutMs: number, signal?: AbortSignal): Promise<WatchdogProbe> {
  const pcp = async (binDir: string | undefined): Promise<string> => runPcp({
    remote, host: inst.host, port: inst.pcpPort, timeoutMs, ...(inst.pcpUser ? { user: inst.pcpUser } : {}),
    ...(inst.pcpPassFile ? { passFile: inst.pcpPassFile } : {}), ...(binDir ? { binDir } : {}),
  }, 'pcp_watchdog_info', ['--verbose'], signal);
  const info = (async (): Promise<{ info?: WatchdogInfo; infoError?: string }> => {
    try {
      let out: string;
      try {
        out = await pcp(inst.binDir);
      } catch (err) {
        // Debian keeps the pcp tools in /usr/sbin, which an ordinary user's PATH over SSH lacks.
        if (!(err instanceof PcpError) || err.exitCode !== 127 || inst.binDir) throw err;
        out = await pcp('/usr/sbin');
      }
      return { info: parseWatchdogInfo(out) };
    } catch (err) {
      return { infoError: msg(err) };
    }
  })();
  const addrs = (async (): Promise<{ addresses?: InterfaceAddress[]; addressError?: string }> => {
    try {
      const r = await remote.exec(['ip', '-o', '-4', 'addr', 'show'], { timeoutMs, ...(signal ? { signal } : {}) });
      if (r.code !== 0) return { addressError: `ip addr on ${remote.label} failed (exit ${r.code ?? 'timeout'}): ${r.stderr.trim().split('\n')[0] ?? ''}` };
      return { addresses: parseIpAddrLines(r.stdout) };
    } catch (err) {
      return { addressError: msg(err) };
    }
  })();
  return { name: inst.name, ...await info, ...await addrs };
}

export interface WatchdogAnalysis {
  readonly watchdog: WatchdogStatus;
  readonly pgpool: ReadonlyMap<string, { readonly watchdog: PgpoolWatchdogView; readonly backends?: PgpoolBackendView }>;
  readonly problems: readonly Problem[];
}

/** What merge knows of each pgpool: reachable by SQL, and its SHOW pool_nodes. */
export interface PgpoolSqlView {
  readonly name: string;
  readonly reachable: boolean;
  readonly error?: string;
  readonly nodes?: readonly PgpoolNodeView[];
}

/** pcp_watchdog_info's answer from a pgpool run with use_watchdog = off. */
const watchdogOff = (p: WatchdogProbe | undefined): boolean => /watchdog is not enabled/i.test(p?.infoError ?? '');

const DOWN_ROLES = new Set(['SHUTDOWN', 'LOST', 'DEAD', 'NO-CONTACT', 'NETWORK ISOLATION', 'IN NETWORK TROUBLE']);

/** Which cluster-file pgpool a watchdog node entry means: the queried node itself, else by host and port. */
function nameResolver(cluster: ClusterDefinition, probes: readonly WatchdogProbe[]): (n: WatchdogNodeInfo) => string | undefined {
  const self = new Map<string, string>();
  for (const p of probes) {
    const first = p.info?.nodes[0];
    if (first) self.set(first.name, p.name);
  }
  return (n) => {
    const known = self.get(n.name);
    if (known) return known;
    const byHost = cluster.pgpool.filter((i) => i.host === n.host);
    return (byHost.find((i) => n.pgpoolPort === undefined || i.port === n.pgpoolPort) ?? (byHost.length === 1 ? byHost[0] : undefined))?.name;
  };
}

function backendView(cluster: ClusterDefinition, nodes: readonly PgpoolNodeView[]): PgpoolBackendView {
  const nameOf = (id: number): string => cluster.nodes.find((d) => d.id === id)?.name ?? `backend ${id}`;
  const primary = nodes.find((n) => n.role === 'primary' && n.status !== 'down' && n.status !== 'quarantine');
  return {
    ...(primary ? { primary: nameOf(primary.id) } : {}),
    down: nodes.filter((n) => n.status === 'down' || n.status === 'quarantine').map((n) => nameOf(n.id)),
  };
}

const list = (names: readonly string[]): string => (names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`);

export function analyseWatchdog(cluster: ClusterDefinition, probes: readonly WatchdogProbe[], sql: readonly PgpoolSqlView[]): WatchdogAnalysis {
  const problems: Problem[] = [];
  const add = (code: Problem['code'], severity: Problem['severity'], message: string): void => { problems.push({ code, severity, nodes: [], message }); };
  const resolve = nameResolver(cluster, probes);
  const byName = new Map(probes.map((p) => [p.name, p]));

  // Each pgpool's role: its own view of itself, else what the others say of it (a leader's word first).
  const claims = new Map<string, { node: WatchdogNodeInfo; from: string }[]>();
  for (const p of probes) {
    for (const n of p.info?.nodes ?? []) {
      const who = resolve(n);
      if (!who) continue;
      claims.set(who, [...(claims.get(who) ?? []), { node: n, from: p.name }]);
    }
  }
  const ownRole = (name: string): string | undefined => byName.get(name)?.info?.nodes[0]?.role;
  const vip = probes.flatMap((p) => p.info?.nodes ?? []).find((n) => n.delegateIp)?.delegateIp;

  const views = new Map<string, { watchdog: PgpoolWatchdogView; backends?: PgpoolBackendView }>();
  for (const inst of cluster.pgpool) {
    const probe = byName.get(inst.name);
    const all = claims.get(inst.name) ?? [];
    const own = all.find((c) => c.from === inst.name);
    const chosen = own ?? all.find((c) => ownRole(c.from) === 'LEADER') ?? all[0];
    // Several pgpools without watchdog (use_watchdog = off): nothing to elect, nothing to report.
    const off = !chosen && watchdogOff(probe);
    const holdsVip = vip === undefined ? false : probe?.addresses ? holdsAddress(vip, probe.addresses) : undefined;
    const error = [probe?.infoError, probe?.addressError].filter(Boolean).join('; ');
    const sqlView = sql.find((s) => s.name === inst.name);
    views.set(inst.name, {
      watchdog: {
        role: chosen?.node.role ?? (off ? 'OFF' : sqlView?.reachable === false ? 'NO-CONTACT' : 'UNKNOWN'),
        ...(chosen?.node.priority !== undefined ? { priority: chosen.node.priority } : {}),
        ...(holdsVip !== undefined ? { holdsVip } : {}),
        ...(chosen ? { reportedBy: chosen.from } : {}),
        ...(error ? { error } : {}),
      },
      ...(sqlView?.reachable && sqlView.nodes ? { backends: backendView(cluster, sqlView.nodes) } : {}),
    });
  }

  // The leader: who says so of itself; if nobody answers for itself, the name the others report.
  const selfLeaders = cluster.pgpool.filter((i) => ownRole(i.name) === 'LEADER').map((i) => i.name);
  let leader: string | null = null;
  if (selfLeaders.length >= 1) {
    leader = selfLeaders[0] ?? null;
    if (selfLeaders.length > 1) add('watchdog-leaders', 'error', `${list(selfLeaders)} each call themselves the watchdog leader: the pgpool nodes are split (a network partition, or a node that came back isolated). Restore the network between them; then stop the pgpool nodes that should not lead.`);
  } else {
    const reported = probes.map((p) => p.info?.nodes.find((n) => n.role === 'LEADER')).filter((n): n is WatchdogNodeInfo => !!n).map((n) => resolve(n)).filter((n): n is string => !!n);
    leader = reported[0] ?? null;
  }
  const answered = probes.filter((p) => p.info);
  if (leader === null && answered.length > 0) {
    add('watchdog-no-leader', 'error', `No pgpool node is the watchdog leader (${answered.map((p) => `${p.name}: ${p.info?.nodes[0]?.role ?? '?'}`).join(', ')}): nobody holds the VIP and failover waits. Elections need quorum: start the stopped pgpool nodes.`);
  }

  const source = (leader ? byName.get(leader)?.info : undefined) ?? answered[0]?.info;
  const quorum: WatchdogQuorum = source?.quorum ?? 'unknown';
  if (quorum === 'absent') {
    const total = source?.totalNodes;
    const alive = source?.aliveRemoteNodes !== undefined ? source.aliveRemoteNodes + 1 : undefined;
    add('watchdog-quorum-lost', 'error', `The watchdog has lost quorum${alive !== undefined && total !== undefined ? ` (${alive} of ${total} pgpool nodes alive)` : ''}: failover of a backend is refused or quarantined and the VIP is released. Start the stopped pgpool nodes${total !== undefined && total % 2 === 0 ? ', or set enable_consensus_with_half_votes = on for an even count' : ''}.`);
  }

  const vipHolders = cluster.pgpool.filter((i) => views.get(i.name)?.watchdog.holdsVip === true).map((i) => i.name);
  if (vip && vipHolders.length > 1) {
    add('vip-on-two-hosts', 'error', `The VIP ${vip} is up on ${list(vipHolders)} at once: clients reach whichever answered ARP last. Remove it from every host but the leader (${leader ?? 'none'}): "ip addr del ${vip}/<prefix> dev <if>" there, or fix if_down_cmd / the escalation script.`);
  } else if (vip && leader && vipHolders.length === 0 && byName.get(leader)?.addresses) {
    add('vip-not-held', 'error', `The VIP ${vip} is on no pgpool host, although ${leader} leads: clients cannot connect through it. Check if_up_cmd on ${leader} (sudo rule or capability) and its pgpool log.`);
  } else if (vip && leader && vipHolders.length === 1 && vipHolders[0] !== leader) {
    add('vip-not-held', 'error', `The VIP ${vip} is on ${vipHolders[0] ?? ''}, but ${leader} is the leader: the old holder kept it (a killed pgpool never runs if_down_cmd). Remove it there: "ip addr del ${vip}/<prefix> dev <if>".`);
  }

  for (const inst of cluster.pgpool) {
    const v = views.get(inst.name)?.watchdog;
    const sqlView = sql.find((s) => s.name === inst.name);
    if (v && DOWN_ROLES.has(v.role)) {
      const orphans = sqlView?.reachable === true && v.reportedBy !== inst.name;
      add('pgpool-node-down', 'warning', `pgpool ${inst.name} is ${v.role}${v.reportedBy && v.reportedBy !== inst.name ? ` (as ${v.reportedBy} sees it)` : ''}: the watchdog runs without it.${orphans ? ' Yet its port still answers: the children of a killed pgpool parent are serving clients outside the watchdog.' : ''} Start it ("pgpool-cluster pgpool start ${inst.name}"${orphans ? ' stops those children first' : ''}).`);
    } else if (byName.get(inst.name)?.infoError && sqlView?.reachable && !watchdogOff(byName.get(inst.name))) {
      add('watchdog-unknown', 'warning', `Cannot read pgpool ${inst.name}'s watchdog state: ${byName.get(inst.name)?.infoError ?? ''}`);
    }
  }

  // Every pgpool must route to the same primary and consider the same backends down.
  const seen = cluster.pgpool.map((i) => ({ name: i.name, b: views.get(i.name)?.backends })).filter((x): x is { name: string; b: PgpoolBackendView } => !!x.b);
  if (seen.length > 1) {
    const primaries = new Set(seen.map((s) => s.b.primary ?? '(none)'));
    const downs = new Set(seen.map((s) => [...s.b.down].sort().join(',')));
    if (primaries.size > 1) {
      add('pgpool-views-differ', 'error', `The pgpool nodes disagree about the primary (${seen.map((s) => `${s.name}: ${s.b.primary ?? 'none'}`).join(', ')}): writes go to different servers depending on the pgpool a client reaches. Restart the pgpool nodes that are wrong with their status discarded (pgpool -D), or attach/detach to match.`);
    }
    if (downs.size > 1) {
      add('pgpool-views-differ', 'warning', `The pgpool nodes disagree about which backends are down (${seen.map((s) => `${s.name}: ${s.b.down.length ? s.b.down.join(', ') : 'none'}`).join('; ')}): a failover was seen by only some of them.`);
    }
  }
  return { watchdog: { quorum, leader, ...(vip ? { vip } : {}), vipHolders }, pgpool: views, problems };
}

/** The merged status with the watchdog view: pgpool instances in the cluster file's order, each with its role. */
export function withWatchdog(status: ClusterStatus, cluster: ClusterDefinition, a: WatchdogAnalysis): ClusterStatus {
  const instances: PgpoolStatus[] = cluster.pgpool
    .map((i) => status.pgpoolInstances.find((p) => p.name === i.name))
    .filter((p): p is PgpoolStatus => !!p)
    .map((p) => ({ ...p, ...a.pgpool.get(p.name) }));
  const problems = [...status.problems, ...a.problems];
  return {
    ...status,
    pgpool: instances.find((p) => p.name === status.pgpool.name) ?? status.pgpool,
    pgpoolInstances: instances,
    problems,
    health: health(instances, status.nodes, problems),
    watchdog: a.watchdog,
  };
}
