import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusCollector } from '../../../src/core/status/collector';
import type { PgEndpoint } from '../../../src/core/db/pgClient';
import type { SqlClient, SqlRow } from '../../../src/core/db/types';
import type { ClusterDefinition } from '../../../src/core/inventory/model';
import { waitFor } from '../../harness/wait';

const cluster: ClusterDefinition = {
  name: 'c', ssh: {}, database: {}, replication: {},
  pgpool: [{ name: 'pgpool', host: 'pp', port: 9999, pcpPort: 9898, ssh: {} }],
  nodes: [0, 1, 2].map((id) => ({ name: `n${id}`, id, host: `h${id}`, port: 5432, ssh: {} })),
};

function fakeFactory(hang: Set<string>, counts: Map<string, number>) {
  return (ep: PgEndpoint): SqlClient => ({
    label: `${ep.host}:${ep.port}`,
    async query<R extends SqlRow>(sql: string): Promise<R[]> {
      counts.set(ep.host, (counts.get(ep.host) ?? 0) + 1);
      if (hang.has(ep.host)) return new Promise(() => undefined);
      if (sql.includes('pool_version')) return [{ pool_version: '4.3.5' }] as unknown as R[];
      if (sql.includes('pool_nodes') || sql.includes('pool_health_check_stats')) {
        return cluster.nodes.map((n) => ({ node_id: String(n.id), hostname: n.host, port: '5432', status: 'up', role: n.id === 0 ? 'primary' : 'standby' })) as unknown as R[];
      }
      const primary = ep.host === 'h0';
      return [{ version_num: 150000, in_recovery: !primary, current_lsn: primary ? '0/100' : null, insert_tli: primary ? 1 : null, checkpoint_tli: 1,
        receive_lsn: primary ? null : '0/100', replay_lsn: primary ? null : '0/100',
        wal_receiver: primary ? null : { status: 'streaming', received_tli: 1, conninfo: `application_name=n${ep.host.slice(1)}` },
        replication: primary ? [{ application_name: 'n1', state: 'streaming' }, { application_name: 'n2', state: 'streaming' }] : [] }] as unknown as R[];
    },
    async close() { /* nothing */ },
  });
}

test('a hung node times out alone; the others answer quickly; one query per target per warm refresh', async () => {
  const counts = new Map<string, number>();
  const hang = new Set(['h2']);
  const c = new StatusCollector(cluster, { timeoutMs: 200, sqlClientFactory: fakeFactory(hang, counts) });
  // The hung node never answers: only the per-target timeout can end this refresh (the test's own limit catches a hang).
  const s = await c.refresh();
  assert.deepEqual(s.nodes.map((n) => n.status), ['up', 'up', 'unreachable']);
  assert.match(s.nodes[2]!.postgres.error!, /no answer within 200 ms/);
  assert.equal(s.health, 'degraded');
  hang.clear();
  counts.clear();
  const s2 = await c.refresh();
  assert.equal(s2.health, 'healthy');
  assert.deepEqual(Object.fromEntries(counts), { pp: 1, h0: 1, h1: 1, h2: 1 }, 'pool_version is asked only once');
  await c.close();
});

test('cancellation ends a refresh whose every target hangs', { timeout: 60_000 }, async () => {
  const counts = new Map<string, number>();
  // Every target hangs and the per-target timeout is an hour: only the cancellation can end this refresh.
  const c = new StatusCollector(cluster, { timeoutMs: 3_600_000, sqlClientFactory: fakeFactory(new Set(['h0', 'h1', 'h2', 'pp']), counts) });
  const ac = new AbortController();
  const refreshing = c.refresh(ac.signal);
  // Cancel once the refresh is really waiting on the servers, not on a clock.
  await waitFor('the refresh to query pgpool and a node', () => (counts.size >= 2 ? true : undefined), 30_000, 5);
  ac.abort();
  const s = await refreshing;
  assert.equal(s.health, 'unreachable');
  await c.close();
});

/** A pgpool that answers SHOW pool_nodes with every column and SHOW pool_health_check_stats with its few. */
function pgpoolFake(version: string, sent: string[], node2Status: () => string) {
  return (ep: PgEndpoint): SqlClient => ({
    label: `${ep.host}:${ep.port}`,
    async query<R extends SqlRow>(sql: string): Promise<R[]> {
      if (ep.host !== 'pp') return fakeFactory(new Set(), new Map())(ep).query<R>(sql);
      sent.push(sql);
      if (sql.includes('pool_version')) return [{ pool_version: version }] as unknown as R[];
      const quick = sql.includes('pool_health_check_stats');
      return cluster.nodes.map((n) => ({
        node_id: String(n.id), hostname: n.host, port: '5432', status: n.id === 2 ? node2Status() : 'up', role: n.id === 0 ? 'primary' : 'standby',
        last_status_change: '2026-11-29 18:00:00',
        ...(quick ? {} : { pg_status: 'up', pg_role: n.id === 0 ? 'primary' : 'standby', lb_weight: '0.333333', select_cnt: '7', load_balance_node: n.id === 1 ? 'true' : 'false', replication_state: 'streaming' }),
      })) as unknown as R[];
    },
    async close() { /* nothing */ },
  });
}

test('pgpool 4.3+: warm refreshes read SHOW pool_health_check_stats, not SHOW pool_nodes (which connects to every backend)', async () => {
  const sent: string[] = [];
  let node2 = 'up';
  const c = new StatusCollector(cluster, { sqlClientFactory: pgpoolFake('4.3.5 (tamahomeboshi)', sent, () => node2) });
  const first = await c.refresh();
  assert.deepEqual(sent.sort(), ['SHOW pool_nodes', 'SHOW pool_version']);
  assert.equal(first.nodes[1]?.pgpool?.replicationState, 'streaming');
  sent.length = 0;
  node2 = 'down';
  const warm = await c.refresh();
  assert.deepEqual(sent, ['SHOW pool_health_check_stats']);
  assert.equal(warm.nodes[2]?.pgpool?.status, 'down', "pgpool's status comes from the quick query");
  assert.equal(warm.nodes[0]?.pgpool?.role, 'primary');
  assert.equal(warm.nodes[1]?.pgpool?.lbWeight, 0.333333, 'the weight of the first SHOW pool_nodes is kept');
  assert.equal(warm.nodes[1]?.pgpool?.loadBalanceNode, true);
  assert.equal(warm.nodes[1]?.pgpool?.replicationState, undefined, 'no stale replication column');
  await c.close();
});

test('pgpool before 4.3: SHOW pool_nodes is cheap there and stays the query of every refresh', async () => {
  const sent: string[] = [];
  const c = new StatusCollector(cluster, { sqlClientFactory: pgpoolFake('4.2.12 (chichiriboshi)', sent, () => 'up') });
  await c.refresh();
  sent.length = 0;
  const warm = await c.refresh();
  assert.deepEqual(sent, ['SHOW pool_nodes']);
  assert.equal(warm.nodes[1]?.pgpool?.replicationState, 'streaming');
  await c.close();
});

test('quickPgpoolView (operations): pgpool 4.3+ is read by SHOW pool_health_check_stats from the first refresh; older pgpool by SHOW pool_nodes', async () => {
  const sent: string[] = [];
  let node2 = 'down';
  const c = new StatusCollector(cluster, { quickPgpoolView: true, sqlClientFactory: pgpoolFake('4.3.5 (tamahomeboshi)', sent, () => node2) });
  const first = await c.refresh();
  assert.deepEqual(sent, ['SHOW pool_version', 'SHOW pool_health_check_stats']);
  assert.equal(first.pgpool.version, '4.3.5 (tamahomeboshi)');
  assert.equal(first.nodes[2]?.pgpool?.status, 'down');
  assert.equal(first.nodes[0]?.pgpool?.role, 'primary');
  sent.length = 0;
  node2 = 'up';
  const warm = await c.refresh();
  assert.deepEqual(sent, ['SHOW pool_health_check_stats']);
  assert.equal(warm.nodes[2]?.pgpool?.status, 'up');
  await c.close();

  const old: string[] = [];
  const c42 = new StatusCollector(cluster, { quickPgpoolView: true, sqlClientFactory: pgpoolFake('4.2.12 (chichiriboshi)', old, () => 'up') });
  const s = await c42.refresh();
  assert.deepEqual(old, ['SHOW pool_version', 'SHOW pool_nodes']);
  assert.equal(s.nodes[1]?.pgpool?.replicationState, 'streaming');
  await c42.close();
});
