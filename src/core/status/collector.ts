/**
 * Refreshes one cluster's status: SHOW pool_nodes from pgpool and one status query per node, all at once,
 * each bounded by its own timeout. Connections (SQL, SSH, tunnels) live in the collector and are reused
 * across refreshes; `close()` ends them.
 */
import { PgSqlClient, type PgEndpoint } from '../db/pgClient';
import { queryNodeState } from '../db/nodeQueries';
import { parsePoolNodes, type PgpoolNodeView } from '../db/poolNodes';
import type { SqlClient, SqlRow } from '../db/types';
import type { ClusterDefinition, NodeDefinition, PgpoolInstance } from '../inventory/model';
import { resolveSshTarget } from '../remote/sshConfig';
import type { SshPool } from '../remote/sshPool';
import { SshRemoteHost } from '../remote/sshRemoteHost';
import { openTunnel, type Tunnel } from '../remote/tunnel';
import { mergeClusterStatus, type NodeProbe } from './merge';
import { withFaultProblems, type LockHolderView } from './faultProblems';
import { probeHosts } from './hostProbes';
import type { ClusterStatus, PgpoolStatus } from './model';
import { analyseWatchdog, probeWatchdogHost, withWatchdog, type WatchdogProbe } from './watchdog';

export interface StatusCollectorOptions {
  /** Per node (and per pgpool) budget for one refresh; a slower target is reported unreachable. Default 3000. */
  readonly timeoutMs?: number;
  /** Needed when `database.tunnel` is true: the SSH pool to tunnel through. */
  readonly sshPool?: SshPool;
  readonly sshConfigText?: string;
  /** Replaces the pg client (tests, benchmarks). */
  readonly sqlClientFactory?: (endpoint: PgEndpoint) => SqlClient;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
  /** Log in to every host over `sshPool` (host key, credentials) and df a silent node's disk: fault problems. */
  readonly hostProbes?: boolean;
  /** Who holds the cluster's operation lock (read, never taken): `operation-in-progress`. */
  readonly lockHolder?: () => Promise<LockHolderView | undefined>;
  /**
   * Operations: pgpool's backend list comes from SHOW pool_health_check_stats from the first refresh on (pgpool
   * 4.3+), as warm refreshes do, instead of a first SHOW pool_nodes that connects to every backend (~130 ms in the
   * lab). A plan needs each backend's status and role only; the columns left out are load balancing and replication.
   */
  readonly quickPgpoolView?: boolean;
}

export class StatusCollector {
  private readonly clients = new Map<string, SqlClient>();
  private readonly tunnels = new Map<string, Promise<Tunnel>>();
  private readonly pgpoolVersions = new Map<string, string>();
  /** Per pgpool: the connection's first SHOW pool_nodes, for the columns the quick query lacks. */
  private readonly pgpoolSessionNodes = new Map<string, PgpoolNodeView[]>();
  private readonly timeoutMs: number;

  constructor(readonly cluster: ClusterDefinition, private readonly options: StatusCollectorOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 3000;
  }

  /** SQL round trips made so far (connects included) when the clients count them. */
  roundTrips(): number {
    let n = 0;
    for (const c of this.clients.values()) n += (c as { roundTrips?: number }).roundTrips ?? 0;
    return n;
  }

  async refresh(signal?: AbortSignal): Promise<ClusterStatus> {
    const started = performance.now();
    let mergedReady: (s: ClusterStatus) => void = () => undefined;
    const mergedLater = new Promise<ClusterStatus>((resolve) => { mergedReady = resolve; });
    const pool = this.options.hostProbes ? this.options.sshPool : undefined;
    // SSH logins run beside the SQL probes; a disk is looked at only once the merge says its node went silent.
    const hostsLater = pool
      ? probeHosts(this.cluster, mergedLater, {
        sshPool: pool, timeoutMs: this.timeoutMs, ...(this.options.sshConfigText !== undefined ? { sshConfigText: this.options.sshConfigText } : {}),
      }).catch(() => undefined)
      : Promise.resolve(undefined);
    const lockLater = this.options.lockHolder?.().catch(() => undefined) ?? Promise.resolve(undefined);
    const [pgpool, nodeProbes, watchdog] = await Promise.all([
      Promise.all(this.cluster.pgpool.map((p) => this.probePgpool(p, signal))),
      Promise.all(this.cluster.nodes.map(async (n) => [n.id, await this.probeNode(n, signal)] as const)),
      this.probeWatchdog(signal),
    ]);
    let merged: ClusterStatus;
    if (!watchdog) {
      merged = mergeClusterStatus({
        cluster: this.cluster, pgpool, nodes: new Map(nodeProbes), now: new Date(), elapsedMs: Math.round(performance.now() - started),
      });
    } else {
      // Several pgpool nodes: the leader's view of the backends is the one merged (it is the one that fails over).
      const analysis = analyseWatchdog(this.cluster, watchdog, pgpool);
      const leader = pgpool.find((p) => p.name === analysis.watchdog.leader && p.reachable);
      const ordered = leader ? [leader, ...pgpool.filter((p) => p !== leader)] : pgpool;
      const byLeader = mergeClusterStatus({
        cluster: this.cluster, pgpool: ordered, nodes: new Map(nodeProbes), now: new Date(), elapsedMs: Math.round(performance.now() - started),
      });
      merged = withWatchdog(byLeader, this.cluster, analysis);
    }
    mergedReady(merged);
    const [hosts, lock] = await Promise.all([hostsLater, lockLater]);
    const status = withFaultProblems(merged, { ...(hosts ? { hosts } : {}), ...(lock ? { lock } : {}) });
    return pool || status !== merged ? { ...status, elapsedMs: Math.round(performance.now() - started) } : merged;
  }

  private readonly pgpoolHosts = new Map<string, SshRemoteHost>();

  /** Every pgpool node's watchdog view and addresses, over SSH; undefined for a single-pgpool cluster. */
  private async probeWatchdog(signal?: AbortSignal): Promise<WatchdogProbe[] | undefined> {
    if (this.cluster.pgpool.length < 2) return undefined;
    const pool = this.options.sshPool;
    if (!pool) return [];
    return Promise.all(this.cluster.pgpool.map((p) => {
      let host = this.pgpoolHosts.get(p.name);
      if (!host) {
        const target = resolveSshTarget(p.host, { ...this.cluster.ssh, ...p.ssh }, this.options.sshConfigText !== undefined ? { sshConfigText: this.options.sshConfigText } : {});
        host = new SshRemoteHost(pool, target);
        this.pgpoolHosts.set(p.name, host);
      }
      return probeWatchdogHost(p, host, this.timeoutMs, signal);
    }));
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    const tunnels = [...this.tunnels.values()];
    this.tunnels.clear();
    await Promise.all(tunnels.map(async (t) => (await t.catch(() => undefined))?.close()));
  }

  private endpoint(host: string, port: number, sshHost: NodeDefinition | PgpoolInstance): PgEndpoint {
    const db = this.cluster.database;
    const key = `${host}:${port}`;
    return {
      host, port,
      ...(db.user ? { user: db.user } : {}),
      ...(db.name ? { database: db.name } : {}),
      ...(db.passfile ? { passfile: db.passfile } : {}),
      ...(db.sslmode ? { sslmode: db.sslmode } : {}),
      connectTimeoutMs: this.timeoutMs,
      queryTimeoutMs: this.timeoutMs,
      ...(this.options.env ? { env: this.options.env } : {}),
      ...(this.options.log ? { warn: this.options.log } : {}),
      ...(db.tunnel ? { via: () => this.tunnel(key, sshHost, host, port) } : {}),
    };
  }

  private tunnel(key: string, sshHost: NodeDefinition | PgpoolInstance, host: string, port: number): Promise<{ host: string; port: number }> {
    const pool = this.options.sshPool;
    if (!pool) return Promise.reject(new Error('database.tunnel is set but no SSH pool was given to the status collector.'));
    let t = this.tunnels.get(key);
    if (!t) {
      const target = resolveSshTarget(sshHost.host, sshHost.ssh, this.options.sshConfigText !== undefined ? { sshConfigText: this.options.sshConfigText } : {});
      t = openTunnel(pool, target, host, port);
      t.catch(() => this.tunnels.delete(key));
      this.tunnels.set(key, t);
    }
    return t.then((x) => ({ host: x.localHost, port: x.localPort }));
  }

  private client(host: string, port: number, owner: NodeDefinition | PgpoolInstance): SqlClient {
    const key = `${host}:${port}`;
    let c = this.clients.get(key);
    if (!c) {
      const ep = this.endpoint(host, port, owner);
      c = this.options.sqlClientFactory ? this.options.sqlClientFactory(ep) : new PgSqlClient(ep);
      this.clients.set(key, c);
    }
    return c;
  }

  /** Runs fn with a deadline; on timeout the client is closed so the next refresh starts clean. */
  private async bounded<T>(client: SqlClient, fn: () => Promise<T>, signal?: AbortSignal): Promise<{ value?: T; error?: string; elapsedMs: number }> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      onAbort = () => reject(new Error('refresh cancelled'));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const value = await Promise.race([fn(), deadline]);
      return { value, elapsedMs: Math.round(performance.now() - started) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (/no answer within|cancelled/.test(message)) void client.close().catch(() => undefined);
      return { error: message.replace(`${client.label}: `, ''), elapsedMs: Math.round(performance.now() - started) };
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  private async probeNode(def: NodeDefinition, signal?: AbortSignal): Promise<NodeProbe> {
    const client = this.client(def.host, def.port, def);
    const r = await this.bounded(client, () => queryNodeState(client, this.timeoutMs), signal);
    return r.value ? { ok: true, view: r.value, elapsedMs: r.elapsedMs } : { ok: false, error: r.error ?? 'unknown error', elapsedMs: r.elapsedMs };
  }

  private async probePgpool(p: PgpoolInstance, signal?: AbortSignal): Promise<PgpoolStatus & { nodes?: PgpoolNodeView[] }> {
    const client = this.client(p.host, p.port, p);
    const base = { name: p.name, host: p.host, port: p.port };
    const key = `${p.host}:${p.port}`;
    const r = await this.bounded(client, async () => {
      const known = this.pgpoolVersions.get(key);
      if (known === undefined && this.options.quickPgpoolView) {
        const version = pgpoolVersionOf(await client.query('SHOW pool_version'));
        this.pgpoolVersions.set(key, version);
        if (!nodeQueryConnectsToBackends(version)) return { version, nodes: parsePoolNodes(await client.query('SHOW pool_nodes')) };
        return { version, nodes: parsePoolNodes(await client.query('SHOW pool_health_check_stats')) };
      }
      if (known === undefined) {
        // The version is asked once per connection; later refreshes cost one round trip.
        const [versionRows, nodeRows] = await Promise.all([
          client.query('SHOW pool_version'),
          client.query('SHOW pool_nodes'),
        ]);
        const version = pgpoolVersionOf(versionRows);
        const nodes = parsePoolNodes(nodeRows);
        this.pgpoolVersions.set(key, version);
        this.pgpoolSessionNodes.set(key, nodes);
        return { version, nodes };
      }
      if (!nodeQueryConnectsToBackends(known)) return { version: known, nodes: parsePoolNodes(await client.query('SHOW pool_nodes')) };
      const quick = parsePoolNodes(await client.query('SHOW pool_health_check_stats'));
      return { version: known, nodes: withSessionColumns(quick, this.pgpoolSessionNodes.get(key) ?? []) };
    }, signal);
    if (!r.value) {
      this.pgpoolVersions.delete(key);
      this.pgpoolSessionNodes.delete(key);
      return { ...base, reachable: false, error: r.error ?? 'unknown error', elapsedMs: r.elapsedMs };
    }
    return { ...base, reachable: true, ...(r.value.version ? { version: r.value.version } : {}), nodes: r.value.nodes, elapsedMs: r.elapsedMs };
  }
}

function pgpoolVersionOf(rows: readonly SqlRow[]): string {
  const v = rows[0];
  return v ? String(v.pool_version ?? Object.values(v)[0] ?? '') : '';
}

/**
 * pgpool-II 4.3 added pg_status and pg_role to SHOW pool_nodes: pgpool opens new connections to every backend
 * to fill them (about 120 ms for three nodes in the lab, most of a warm refresh). SHOW pool_health_check_stats
 * (4.2+) reads the same status and role from pgpool's shared memory, so warm refreshes on 4.3+ use it; the
 * node's own status and role come from this collector's direct query anyway.
 */
export function nodeQueryConnectsToBackends(pgpoolVersion: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(pgpoolVersion.trim());
  if (!m) return false;
  const major = Number(m[1]);
  return major > 4 || (major === 4 && Number(m[2]) >= 3);
}

/**
 * The quick view plus what stays put for the connection: the load-balance weight (changes only on reload) and
 * whether this session balances to the node. Counters, replication columns and pgpool's own backend probes
 * (pg_status, pg_role) are left out rather than shown stale.
 */
function withSessionColumns(quick: PgpoolNodeView[], session: readonly PgpoolNodeView[]): PgpoolNodeView[] {
  return quick.map((n) => {
    const first = session.find((s) => s.id === n.id);
    return {
      ...n,
      ...(first?.lbWeight !== undefined ? { lbWeight: first.lbWeight } : {}),
      ...(first?.loadBalanceNode !== undefined ? { loadBalanceNode: first.loadBalanceNode } : {}),
    };
  });
}
