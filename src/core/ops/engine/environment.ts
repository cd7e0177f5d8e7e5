/**
 * What the runner needs to touch a cluster: a RemoteHost per host, a SqlClient per node, pcp and pgpool's
 * node view. `ClusterOpsEnvironment` builds them from the cluster definition over one SSH pool; tests fake it.
 */
import type { SqlClient, SqlRow } from '../../db/types';
import { PgSqlClient } from '../../db/pgClient';
import { decidePcpPlacement, LocalHost, type LocalPcpDecision } from '../../db/localPcp';
import { parsePoolNodes } from '../../db/poolNodes';
import { PcpError, pcpNodeInfo, pcpRetryingDroppedRequest, runPcp, type PcpEndpoint, type PcpTarget } from '../../db/pcp';
import type { PgpoolNodeView } from '../../db/poolNodes';
import type { ClusterDefinition, NodeDefinition, PgpoolInstance } from '../../inventory/model';
import { resolveSshTarget } from '../../remote/sshConfig';
import type { SshPool } from '../../remote/sshPool';
import { SshRemoteHost } from '../../remote/sshRemoteHost';
import type { RemoteHost } from '../../remote/types';
import type { ClusterStatus } from '../../status/model';
import { applyDiscovery, discover, NOTHING_DISCOVERED, type Discovered } from '../preflight/discovery';
import { discoveryCacheable, discoveryCacheKey, readCachedDiscovery, writeCachedDiscovery } from '../preflight/discoveryCache';
import { resolveVersions } from './input';

export interface OpsEnvironment {
  /** Node names, for checks that look at every node. */
  readonly nodes: readonly string[];
  remote(host: string): RemoteHost;
  sql(node: string): SqlClient;
  /** A new SQL session of its own (the caller closes it), e.g. to hold a backup open across a copy. */
  session?(node: string): SqlClient;
  pcp(tool: string, args: readonly string[], options: { signal?: AbortSignal; timeoutMs?: number }): Promise<string>;
  /**
   * What the hosts have where the cluster file says nothing (programs, data directories); probed once. `cached`:
   * the last complete discovery on this machine when it can stand in (discoveryCache.ts), refreshed alongside.
   */
  discover?(status?: ClusterStatus, signal?: AbortSignal, cached?: boolean): Promise<Discovered>;
  /** pcp as plans show it and as it runs (placement and discovered tools' directory). */
  planPcpEndpoint?(): Promise<PcpEndpoint | undefined>;
  /** Where pcp runs (this machine or the pgpool host) and why; decided once. */
  pcpPlacement?(): Promise<LocalPcpDecision>;
  /** `viaSql`: a check before anything changes may ask pgpool on a SQL session first (ClusterOpsEnvironment.pgpoolNode). */
  pgpoolNode(id: number, signal?: AbortSignal, viaSql?: boolean): Promise<PgpoolNodeView>;
  /** The SSH host key our own (verified) connection to `host` saw; connects if needed (setup-ssh-trust). */
  trustedHostKey?(host: string, signal?: AbortSignal): Promise<Buffer | undefined>;
  /**
   * Starts connecting to these hosts (default: pgpool and every node) without waiting, so the handshakes
   * overlap the status refresh instead of delaying the first steps. A failure here is reported only by the
   * step that then needs the host.
   */
  warmUp?(hosts?: readonly string[]): void;
  /**
   * Several pgpool nodes (watchdog): pcp goes to the one `activePgpool` picks from this status (the leader, else
   * the first that answers). Returns its name. Without it, the first pgpool of the cluster file is used.
   */
  choosePgpool?(status: ClusterStatus): string;
  close(): Promise<void>;
}

export function pgpoolOf(cluster: ClusterDefinition): PgpoolInstance {
  const p = cluster.pgpool[0];
  if (!p) throw new Error(`Cluster ${cluster.name} defines no pgpool instance; pcp steps need one.`);
  return p;
}

/**
 * The pgpool operations go through: the watchdog leader when it answers, else the first pgpool that answers,
 * else the first of the cluster file. A single pgpool is always itself.
 */
export function activePgpool(cluster: ClusterDefinition, status?: ClusterStatus): PgpoolInstance {
  const reachable = (name: string): boolean => status?.pgpoolInstances.find((p) => p.name === name)?.reachable === true;
  const leader = status?.watchdog?.leader;
  return (leader && reachable(leader) ? cluster.pgpool.find((p) => p.name === leader) : undefined)
    ?? cluster.pgpool.find((p) => reachable(p.name))
    ?? pgpoolOf(cluster);
}

/**
 * pcp as the plan text shows it: on the pgpool host against its own pcp port (the default), or on this machine
 * when `placement` says so (then with this machine's tools and pass file).
 */
export function pcpEndpoint(cluster: ClusterDefinition, placement?: LocalPcpDecision, pgpoolName?: string): PcpEndpoint | undefined {
  const p = (pgpoolName !== undefined ? cluster.pgpool.find((x) => x.name === pgpoolName) : undefined) ?? cluster.pgpool[0];
  if (!p) return undefined;
  if (placement?.local) {
    return { host: p.host, port: p.pcpPort, ...(p.pcpUser ? { user: p.pcpUser } : {}), ...(placement.binDir ? { binDir: placement.binDir } : {}), local: true };
  }
  return {
    host: p.host, port: p.pcpPort, ...(p.pcpUser ? { user: p.pcpUser } : {}),
    ...(p.pcpPassFile ? { passFile: p.pcpPassFile } : {}), ...(p.binDir ? { binDir: p.binDir } : {}),
  };
}

export interface ClusterOpsEnvironmentOptions {
  readonly sshPool: SshPool;
  readonly sshConfigText?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
  /** false: pcp always runs on the pgpool host (default: locally when that works, see localPcp.ts). */
  readonly localPcp?: boolean;
  /** false: plans never use the last discovery on this machine (discoveryCache.ts); the file (default: in the state directory). */
  readonly discoveryCache?: boolean;
  readonly discoveryCacheFile?: string;
}

/** How long pgpoolNode's SQL view may take before pcp is asked instead (a session to pgpool answers in milliseconds). */
const SQL_VIEW_WITHIN_MS = 500;

export class ClusterOpsEnvironment implements OpsEnvironment {
  readonly nodes: readonly string[];
  private readonly hosts = new Map<string, RemoteHost>();
  private readonly clients = new Map<string, SqlClient>();

  constructor(private readonly cluster: ClusterDefinition, private readonly options: ClusterOpsEnvironmentOptions) {
    this.nodes = cluster.nodes.map((n) => n.name);
  }

  private definition(name: string): NodeDefinition | PgpoolInstance {
    const d = this.cluster.nodes.find((n) => n.name === name) ?? this.cluster.pgpool.find((p) => p.name === name);
    if (!d) throw new Error(`Cluster ${this.cluster.name} has no host named "${name}".`);
    return d;
  }

  remote(host: string): RemoteHost {
    let r = this.hosts.get(host);
    if (!r) {
      const d = this.definition(host);
      const ssh = { ...this.cluster.ssh, ...d.ssh };
      const target = resolveSshTarget(d.host, ssh, this.options.sshConfigText !== undefined ? { sshConfigText: this.options.sshConfigText } : {});
      r = new SshRemoteHost(this.options.sshPool, target);
      this.hosts.set(host, r);
    }
    return r;
  }

  sql(node: string): SqlClient {
    let c = this.clients.get(node);
    if (!c) {
      c = this.session(node);
      this.clients.set(node, c);
    }
    return c;
  }

  session(node: string): SqlClient {
    const d = this.definition(node);
    const db = this.cluster.database;
    return new PgSqlClient({
      host: d.host, port: d.port, ...(db.user ? { user: db.user } : {}), database: db.name ?? 'postgres',
      ...(db.passfile ? { passfile: db.passfile } : {}), ...(db.sslmode ? { sslmode: db.sslmode } : {}),
      connectTimeoutMs: 3000, queryTimeoutMs: 15_000, applicationName: 'pgpool-cluster-ops',
      ...(this.options.env ? { env: this.options.env } : {}), ...(this.options.log ? { warn: this.options.log } : {}),
    });
  }

  private placement?: Promise<LocalPcpDecision>;
  private active?: PgpoolInstance;

  /** The pgpool pcp goes to (see choosePgpool). */
  private pgpool(): PgpoolInstance | undefined {
    return this.active ?? this.cluster.pgpool[0];
  }

  choosePgpool(status: ClusterStatus): string {
    const next = activePgpool(this.cluster, status);
    if (next.name !== this.pgpool()?.name) {
      this.active = next;
      this.placement = undefined;
    }
    return next.name;
  }

  /** Local only when this machine has the tools, reaches the pcp port and has a .pcppass entry for it. */
  pcpPlacement(): Promise<LocalPcpDecision> {
    if (!this.placement) {
      const p = this.pgpool();
      this.placement = this.options.localPcp === false || !p
        ? Promise.resolve({ local: false, reason: 'pcp runs on the pgpool host' })
        : decidePcpPlacement(p.host, p.pcpPort, p.pcpUser, this.options.env ?? process.env).catch(() => ({ local: false, reason: 'the local pcp probe failed' }));
    }
    return this.placement;
  }

  private discovered?: Promise<Discovered>;

  /** pcp as plans show it and as it runs: where, with the pcp tools' directory the hosts revealed when the file names none. */
  async planPcpEndpoint(): Promise<PcpEndpoint | undefined> {
    const d = this.discovered ? await this.discovered : NOTHING_DISCOVERED;
    return pcpEndpoint(applyDiscovery(this.cluster, d), await this.pcpPlacement(), this.pgpool()?.name);
  }

  discover(status?: ClusterStatus, signal?: AbortSignal, cached = false): Promise<Discovered> {
    // A plan that took the cached entry refreshes it once the status is in (its SSH logins then no longer compete with the status for this process's CPU).
    if (this.refreshDiscovery && status) { this.refreshDiscovery(); this.refreshDiscovery = undefined; }
    if (this.discovered) return this.discovered;
    const probe = (): Promise<Discovered> => discover(this.cluster, status, this, signal).catch((): Discovered => ({ ...NOTHING_DISCOVERED, unanswered: ['all'] }));
    if (!discoveryCacheable(this.cluster) || this.options.discoveryCache === false) {
      this.discovered = probe();
      return this.discovered;
    }
    const key = discoveryCacheKey(this.cluster, status ? resolveVersions(this.cluster, status).postgres : this.cluster.postgresVersion);
    const probeAndKeep = (): Promise<Discovered> => probe().then(async (d) => { await writeCachedDiscovery(key, d, this.options.discoveryCacheFile); return d; });
    if (!cached) {
      this.discovered = probeAndKeep();
      return this.discovered;
    }
    this.discovered = readCachedDiscovery(key, this.options.discoveryCacheFile).then((hit) => {
      if (!hit) return probeAndKeep();
      this.refreshDiscovery = () => { void probeAndKeep(); };
      return hit;
    });
    return this.discovered;
  }

  private refreshDiscovery?: () => void;

  /** Where pcp runs: the endpoint plans show (planPcpEndpoint), on this machine or over SSH on the pgpool host. */
  private async pcpTarget(timeoutMs?: number): Promise<PcpTarget> {
    const p = this.pgpool() ?? pgpoolOf(this.cluster);
    const e = await this.planPcpEndpoint();
    if (!e) throw new Error(`Cluster ${this.cluster.name} defines no pgpool instance; pcp steps need one.`);
    return { ...e, remote: e.local ? new LocalHost() : this.remote(p.name), ...(timeoutMs ? { timeoutMs } : {}) };
  }

  /** A pcp tool that is not on the remote PATH (Debian keeps them in /usr/sbin) is looked for once, then retried. */
  private async withDiscoveredPcp<T>(run: (t: PcpTarget) => Promise<T>, timeoutMs?: number): Promise<T> {
    try {
      return await run(await this.pcpTarget(timeoutMs));
    } catch (err) {
      const p = this.pgpool();
      if (!(err instanceof PcpError) || err.exitCode !== 127 || !p || p.binDir || this.discovered) throw err;
      if (!(await this.discover()).pgpool.get(p.name)?.binDir) throw err;
      return run(await this.pcpTarget(timeoutMs));
    }
  }

  pcp(tool: string, args: readonly string[], options: { signal?: AbortSignal; timeoutMs?: number }): Promise<string> {
    return pcpRetryingDroppedRequest(tool, options.signal, () => this.withDiscoveredPcp((t) => runPcp(t, tool, args, options.signal), options.timeoutMs));
  }

  /** false once pgpool's SQL view failed in this operation (pgpool before 4.2, a session refused): pcp from then on. */
  private sqlNodeView = true;

  /**
   * pgpool's view of node `id`, from pcp_node_info. `viaSql` (checks made before anything changes): with one pgpool,
   * from SHOW pool_health_check_stats on a session to it first (4.2+: pgpool's shared memory, as pcp_node_info
   * reads it; a round trip instead of a pcp process, which takes ~100 ms while pgpool serves clients). Not during a
   * failover: pgpool drops such sessions then, and a query on one can hang until its timeout.
   */
  async pgpoolNode(id: number, signal?: AbortSignal, viaSql = false): Promise<PgpoolNodeView> {
    const p = this.pgpool();
    if (viaSql && this.sqlNodeView && p && this.cluster.pgpool.length === 1) {
      // A pgpool whose children are all busy queues new sessions: past SQL_VIEW_WITHIN_MS pcp answers instead.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => { timer = setTimeout(resolve, SQL_VIEW_WITHIN_MS, undefined); });
      try {
        const rows = await Promise.race([this.sqlNodeViewRows(p), late]);
        const n = rows ? parsePoolNodes(rows).find((v) => v.id === id) : undefined;
        if (n) return n;
      } catch { /* pcp below */ } finally {
        clearTimeout(timer);
      }
      this.sqlNodeView = false;
    }
    return pcpRetryingDroppedRequest('pcp_node_info', signal, () => this.withDiscoveredPcp((t) => pcpNodeInfo(t, id, signal)));
  }

  /** pgpool's shared-memory view of every node, on the operation's session to it (4.2+). */
  private sqlNodeViewRows(p: PgpoolInstance): Promise<SqlRow[]> {
    return this.sql(p.name).query('SHOW pool_health_check_stats', [], { timeoutMs: 2000 });
  }

  warmUp(hosts: readonly string[] = [...this.cluster.pgpool.map((p) => p.name), ...this.nodes]): void {
    // The session pgpoolNode asks first, opened while the status is read (pgpool authenticates it with every backend).
    const p = this.pgpool();
    if (this.sqlNodeView && p && this.cluster.pgpool.length === 1 && hosts.includes(p.name)) {
      void this.sqlNodeViewRows(p).catch(() => { this.sqlNodeView = false; });
    }
    for (const h of hosts) {
      const r = this.remote(h);
      if (r instanceof SshRemoteHost) void this.options.sshPool.client(r.target).catch(() => undefined);
    }
  }

  async trustedHostKey(host: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    const r = this.remote(host);
    return r instanceof SshRemoteHost ? this.options.sshPool.trustedHostKey(r.target, signal) : undefined;
  }

  async close(): Promise<void> {
    this.sqlNodeView = true;
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((c) => c.close().catch(() => undefined)));
  }
}
