/** Helpers for the operations suite: the real servers' view of the main lab, and its repair through the CLI. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { cli, ensureLab, labUser, query, queryPgpool, ssh } from '../lab/labFixture';
import { waitUntil as harnessWaitUntil } from '../harness/wait';

export const layout = ensureLab();
export const FILE = layout.clusterFile;
export const state = mkdtempSync(join(tmpdir(), 'pgc-ops-'));
export const ENV = { PGPOOL_CLUSTER_STATE_DIR: state };
export const PGPOOL = layout.pgpool.address;
export const NODES = layout.nodes.map((n) => ({ name: n.name, host: n.address, dataDir: n.dataDir }));
export type LabNodeRef = (typeof NODES)[number];

export const ops = (args: string[], file = FILE): ReturnType<typeof cli> => cli([...args, '--file', file], ENV);

export const waitUntil = (what: string, check: () => Promise<boolean>, timeoutMs = 40_000): Promise<void> => harnessWaitUntil(what, check, timeoutMs);

export async function inRecovery(host: string): Promise<boolean | undefined> {
  try {
    return (await query<{ r: boolean }>(host, 5432, 'SELECT pg_is_in_recovery() AS r'))[0]?.r;
  } catch {
    return undefined;
  }
}

/** Names of the nodes PostgreSQL itself reports as primary. */
export async function primaries(): Promise<string[]> {
  const r = await Promise.all(NODES.map(async (n) => ((await inRecovery(n.host)) === false ? n.name : undefined)));
  return r.filter((x): x is string => x !== undefined);
}

export async function standbysStreamingFrom(primaryHost: string): Promise<string[]> {
  const rows = await query<{ application_name: string }>(primaryHost, 5432, "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'");
  return rows.map((r) => r.application_name).sort();
}

/** SHOW pool_nodes, retried for `seconds` while pgpool drops sessions (it restarts its children after a failover or an attach). */
export async function poolNodes(seconds = 5): Promise<{ hostname: string; status: string; role: string }[]> {
  return queryPgpool<{ hostname: string; status: string; role: string }>('SHOW pool_nodes', [], seconds * 1000);
}

export async function healthy(): Promise<boolean> {
  const p = await primaries();
  if (p.length !== 1) return false;
  const host = NODES.find((n) => n.name === p[0])!.host;
  if ((await standbysStreamingFrom(host)).length !== NODES.length - 1) return false;
  const pool = await poolNodes();
  return pool.every((n) => n.status === 'up' || n.status === 'waiting') && pool.filter((n) => n.role === 'primary').length === 1;
}

/**
 * Nodes that need the CLI's recover: unreachable, down in pgpool, a primary pgpool does not use, or a standby
 * that does not stream from the one primary (left on the old timeline by a failover's follow_primary).
 */
async function needRecovery(): Promise<LabNodeRef[]> {
  const pool = await poolNodes(10).catch(() => []);
  const live = await primaries();
  const pgpoolPrimary = pool.find((x) => x.role === 'primary')?.hostname;
  const primaryHost = live.length === 1 ? NODES.find((n) => n.name === live[0])?.host : undefined;
  const streaming = primaryHost ? await standbysStreamingFrom(primaryHost).catch(() => undefined) : undefined;
  const out: LabNodeRef[] = [];
  for (const n of NODES) {
    const r = await inRecovery(n.host);
    const st = pool.find((x) => x.hostname === n.host)?.status;
    if (r === undefined || st === 'down' || (r === false && live.length > 1 && n.host !== pgpoolPrimary)
      || (r === true && streaming !== undefined && !streaming.includes(n.name))) out.push(n);
  }
  return out;
}

/** Leaves the lab as other tests expect it (3 nodes up, one primary, standbys streaming), by the CLI's recover. */
export async function restoreLab(): Promise<void> {
  if (await healthy().catch(() => false)) return;
  // No node answers at all (the lab's servers are down, not merely in the wrong roles): lab up starts what is stopped.
  if ((await Promise.all(NODES.map((n) => inRecovery(n.host)))).every((r) => r === undefined)) {
    process.stderr.write('repair: no node answers; lab up\n');
    ensureLab();
  }
  // No primary at all (an operation that failed after stopping it): promote a running standby through the CLI,
  // as an operator would, so that recover has a primary to rebuild the others from.
  if ((await primaries()).length === 0) {
    for (const n of NODES) {
      if ((await inRecovery(n.host)) !== true) continue;
      const r = ops(['promote', n.name, '--yes']);
      if (r.code === 0) break;
      process.stderr.write(`repair: promote ${n.name} -> ${r.code}\n${r.stderr.slice(-1500)}\n`);
    }
  }
  for (const method of [undefined, 'basebackup']) {
    for (const n of await needRecovery()) {
      const r = ops(['recover', n.name, ...(method ? ['--method', method] : []), '--yes']);
      if (r.code !== 0) process.stderr.write(`repair: recover ${n.name} ${method ?? '(default)'} -> ${r.code}\n${r.stderr.slice(-1500)}\n`);
    }
    try {
      await waitUntil('the lab to be healthy again', healthy, 30_000);
      return;
    } catch { /* next method */ }
  }
  await waitUntil('the lab to be healthy again', healthy, 30_000);
}

export async function currentPrimary(): Promise<LabNodeRef> {
  let p: string[] = [];
  await waitUntil('exactly one primary', async () => (p = await primaries()).length === 1);
  return NODES.find((n) => n.name === p[0])!;
}

/** Crash a node (pg_ctl stop -m immediate on its host) and wait until pgpool marks it down. */
export async function crash(node: LabNodeRef): Promise<void> {
  const kill = ssh(layout, labUser(), node.host, `/usr/lib/postgresql/15/bin/pg_ctl -D '${node.dataDir}' -m immediate stop`);
  assert.equal(kill.code, 0, kill.stderr);
  await waitUntil(`pgpool to mark ${node.name} down`, async () => (await poolNodes()).find((x) => x.hostname === node.host)?.status === 'down');
}

export async function timeline(host: string): Promise<number> {
  if (await inRecovery(host)) {
    return Number((await query<{ t: number }>(host, 5432, 'SELECT received_tli AS t FROM pg_stat_wal_receiver'))[0]?.t);
  }
  const r = await query<{ w: string }>(host, 5432, 'SELECT pg_walfile_name(pg_current_wal_lsn()) AS w');
  return Number.parseInt(r[0]!.w.slice(0, 8), 16);
}

/** Inserts 1, 2, 3... into `table` through pgpool, one at a time, reconnecting after errors; `acked` holds what was committed. */
export function writerThroughPgpool(table: string): { acked: number[]; stop: () => Promise<void> } {
  const acked: number[] = [];
  let stopped = false;
  let next = 1;
  const done = (async () => {
    let c: Client | undefined;
    while (!stopped) {
      const id = next++;
      try {
        if (!c) { c = new Client({ host: PGPOOL, port: 9999, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000, query_timeout: 5000 }); c.on('error', () => undefined); await c.connect(); }
        await c.query(`INSERT INTO ${table} VALUES ($1)`, [id]);
        acked.push(id);
      } catch {
        await c?.end().catch(() => undefined);
        c = undefined;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await c?.end().catch(() => undefined);
  })();
  return { acked, stop: async () => { stopped = true; await done; } };
}
