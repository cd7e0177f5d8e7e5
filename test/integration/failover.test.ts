import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureLab, labUser, pcp, query, queryPgpool, ssh } from '../lab/labFixture';
import { waitUntil } from '../harness/wait';


type PoolNode = { node_id: string; status: string; role: string };

// The seed's own scenario, with the lab's generated pgpool configuration and scripts:
// data on the primary, kill it, pgpool fails over, writes go on, the old primary is recovered with every row.
test('automatic failover and online recovery of the old primary keep every row', async () => {
  const layout = ensureLab();
  const nodes = await queryPgpool<PoolNode>('SHOW pool_nodes');
  const primary = nodes.find((n) => n.role === 'primary');
  assert.ok(primary, 'a primary before the test');
  const old = layout.nodes[Number(primary.node_id)]!;

  await queryPgpool('DROP TABLE IF EXISTS seed');
  await queryPgpool('CREATE TABLE seed (id int PRIMARY KEY, v text)');
  await queryPgpool("INSERT INTO seed SELECT g, 'before' FROM generate_series(1, 100) g");

  // Kill the primary the hard way, on its own host over SSH.
  const pgCtl = layout.isolation ? '/usr/lib/postgresql/15/bin/pg_ctl' : 'pg_ctl'; // not on the isolated hosts' PATH
  const kill = ssh(layout, labUser(), old.address, `${pgCtl} -D '${old.dataDir}' -m immediate stop`);
  assert.equal(kill.code, 0, kill.stderr);

  await waitUntil('a write through pgpool after failover', async () => {
    await query(layout.pgpool.address, 9999, "INSERT INTO seed SELECT g, 'after' FROM generate_series(101, 200) g ON CONFLICT DO NOTHING");
    return true;
  });
  let after: PoolNode[] = [];
  await waitUntil('pgpool to show the new topology', async () => {
    after = await queryPgpool<PoolNode>('SHOW pool_nodes');
    const up = after.filter((n) => n.status === 'up' || n.status === 'waiting');
    return after.filter((n) => n.role === 'primary' && n.status === 'up').length === 1 && up.length === 2;
  });
  const newPrimary = after.find((n) => n.role === 'primary')!;
  assert.notEqual(newPrimary.node_id, primary.node_id, 'a standby was promoted');
  assert.equal(after.find((n) => n.node_id === primary.node_id)?.status, 'down');
  const promoted = layout.nodes[Number(newPrimary.node_id)]!;
  const inRecovery = await query<{ r: boolean }>(promoted.address, 5432, 'SELECT pg_is_in_recovery() AS r');
  assert.equal(inRecovery[0]?.r, false, 'the promoted node really left recovery');

  // Online recovery of the old primary through pgpool (recovery_1st_stage + pgpool_remote_start).
  pcp(layout, 'pcp_recovery_node', ['-n', primary.node_id]);
  await waitUntil('the old primary to stream as a standby', async () => {
    const r = await query<{ r: boolean; n: string }>(old.address, 5432, 'SELECT pg_is_in_recovery() AS r, (SELECT count(*) FROM seed) AS n');
    return r[0]?.r === true && r[0]?.n === '200';
  });
  const rows = await query<{ before: string; after: string }>(old.address, 5432,
    "SELECT count(*) FILTER (WHERE v = 'before') AS before, count(*) FILTER (WHERE v = 'after') AS after FROM seed");
  assert.deepEqual(rows[0], { before: '100', after: '100' });
  const streaming = await query<{ application_name: string }>(promoted.address, 5432, "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'");
  assert.ok(streaming.some((s) => s.application_name === old.name), 'the new primary streams to the recovered node');
  await waitUntil('pgpool to list every node up', async () => {
    const n = await queryPgpool<PoolNode>('SHOW pool_nodes');
    return n.every((x) => x.status === 'up' || x.status === 'waiting') && n.filter((x) => x.role === 'primary').length === 1;
  });
});
