// The running lab as the tests see it: its cluster definition and SQL straight to its servers,
// so that what a command did is checked against PostgreSQL and pgpool-II, not against the extension.
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { loadClusterFile } from '../../src/core/inventory/load';
import type { ClusterDefinition } from '../../src/core/inventory/model';
import { retry, waitFor } from './wait';

export async function labCluster(file: string): Promise<ClusterDefinition> {
  const r = await loadClusterFile(file);
  if (!r.ok) throw new Error(`${file}: ${r.message}`);
  const lab = r.file.clusters.find((c) => c.name === 'lab') ?? r.file.clusters[0];
  if (!lab) throw new Error(`${file} defines no cluster`);
  return lab;
}

/** The password of `user` from a pgpass file (the lab writes `*:*:*:user:password` lines). */
function passwordFrom(passfile: string | undefined, user: string): string | undefined {
  if (!passfile) return undefined;
  for (const line of readFileSync(passfile, 'utf8').split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 5 && fields[3] === user) return fields.slice(4).join(':');
  }
  return undefined;
}

export async function query<T extends Record<string, unknown>>(cluster: ClusterDefinition, host: string, port: number, sql: string): Promise<T[]> {
  const user = cluster.database.user ?? 'postgres';
  const password = passwordFrom(cluster.database.passfile, user);
  const c = new Client({ host, port, user, database: cluster.database.name ?? 'postgres', connectionTimeoutMillis: 3000, ...(password ? { password } : {}) });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** pg_is_in_recovery() of a node, or undefined when it does not answer. */
export async function inRecovery(cluster: ClusterDefinition, nodeName: string): Promise<boolean | undefined> {
  const node = cluster.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`no node ${nodeName}`);
  try {
    return (await query<{ r: boolean }>(cluster, node.host, node.port ?? 5432, 'SELECT pg_is_in_recovery() AS r'))[0]?.r;
  } catch {
    return undefined;
  }
}

/** The nodes PostgreSQL itself reports as primaries. */
export async function primaries(cluster: ClusterDefinition): Promise<string[]> {
  const r = await Promise.all(cluster.nodes.map(async (n) => ((await inRecovery(cluster, n.name)) === false ? n.name : undefined)));
  return r.filter((x): x is string => x !== undefined);
}

export interface PoolNode { node_id: string; hostname: string; status: string; role: string }

/** SHOW pool_nodes through pgpool, retried: pgpool drops client connections around a failover. */
export async function poolNodes(cluster: ClusterDefinition, timeoutMs = 5000): Promise<PoolNode[]> {
  const pgpool = cluster.pgpool[0];
  if (!pgpool) throw new Error('the cluster has no pgpool');
  return retry('SHOW pool_nodes through pgpool', () => query<PoolNode & Record<string, unknown>>(cluster, pgpool.host, pgpool.port ?? 9999, 'SHOW pool_nodes'), () => true, timeoutMs, 250);
}

/** One primary that PostgreSQL and pgpool agree on, every node up (or waiting) in pgpool and in recovery but it. */
export async function healthyPrimary(cluster: ClusterDefinition): Promise<string | undefined> {
  const p = await primaries(cluster);
  if (p.length !== 1 || p[0] === undefined) return undefined;
  const rec = await Promise.all(cluster.nodes.map((n) => inRecovery(cluster, n.name)));
  if (rec.some((r) => r === undefined)) return undefined;
  const pool = await poolNodes(cluster).catch(() => []);
  const primaryHost = cluster.nodes.find((n) => n.name === p[0])?.host;
  const ok = pool.length === cluster.nodes.length
    && pool.every((n) => n.status === 'up' || n.status === 'waiting')
    && pool.filter((n) => n.role === 'primary').map((n) => n.hostname).join() === primaryHost;
  return ok ? p[0] : undefined;
}

/**
 * The primary PostgreSQL and pgpool agree on, with the standbys pgpool has up; undefined while they disagree.
 * Other suites share the lab, so a node they detached is left out rather than waited for.
 */
export async function primaryAndUpStandbys(cluster: ClusterDefinition): Promise<{ primary: string; standbys: string[] } | undefined> {
  const p = await primaries(cluster);
  const primary = p.length === 1 ? p[0] : undefined;
  if (primary === undefined) return undefined;
  const pool = await poolNodes(cluster);
  const host = (name: string): string | undefined => cluster.nodes.find((n) => n.name === name)?.host;
  if (!pool.some((n) => n.hostname === host(primary) && n.role === 'primary' && n.status === 'up')) return undefined;
  const standbys: string[] = [];
  for (const n of cluster.nodes) {
    if (n.name === primary) continue;
    const inPool = pool.find((x) => x.hostname === n.host);
    if ((inPool?.status === 'up' || inPool?.status === 'waiting') && (await inRecovery(cluster, n.name)) === true) standbys.push(n.name);
  }
  return { primary, standbys: standbys.sort() };
}

export async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  return waitFor(what, check, timeoutMs, 300);
}
