/*
 * pgpool's automatic failover with the generated failover.sh promotes the standby that received the most WAL,
 * not the lowest-numbered one pgpool proposes: the lower standby stops receiving (its primary_conninfo is
 * emptied), rows are written, the primary is killed. Assertions are on which node is promoted and on the rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labUser, query, queryPgpool, readOnHost, ssh } from '../lab/labFixture';
import { currentPrimary, inRecovery, layout, NODES, primaries, restoreLab, waitUntil } from './opsLab';

test('automatic failover promotes the most advanced standby, not pgpool\'s lowest-numbered one', async () => {
  await restoreLab();
  const old = await currentPrimary();
  const [low, high] = NODES.filter((n) => n !== old);
  assert.ok(low && high);
  try {
    // The lower-numbered standby (pgpool's %m) stops receiving WAL.
    await query(low.host, 5432, "ALTER SYSTEM SET primary_conninfo = ''");
    await query(low.host, 5432, 'SELECT pg_reload_conf()');
    await waitUntil(`${low.name} to stop streaming`, async () => (await query(old.host, 5432, 'SELECT 1 FROM pg_stat_replication WHERE application_name = $1', [low.name])).length === 0);

    await queryPgpool('DROP TABLE IF EXISTS failover_choice');
    await queryPgpool('CREATE TABLE failover_choice (id int PRIMARY KEY)');
    await queryPgpool('INSERT INTO failover_choice SELECT generate_series(1, 1000)');
    const end = (await query<{ lsn: string }>(old.host, 5432, 'SELECT pg_current_wal_flush_lsn()::text AS lsn'))[0]!.lsn;
    await waitUntil(`${high.name} to receive everything`, async () =>
      (await query<{ ok: boolean }>(high.host, 5432, 'SELECT pg_last_wal_receive_lsn() >= $1::pg_lsn AS ok', [end]))[0]?.ok === true);
    const behind = await query<{ ok: boolean }>(low.host, 5432, 'SELECT COALESCE(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) < $1::pg_lsn AS ok', [end]);
    assert.equal(behind[0]?.ok, true, `${low.name} is behind`);

    const kill = ssh(layout, labUser(), old.host, `/usr/lib/postgresql/15/bin/pg_ctl -D '${old.dataDir}' -m immediate stop`);
    assert.equal(kill.code, 0, kill.stderr);
    await waitUntil('a new primary', async () => (await primaries()).length === 1 && (await inRecovery(old.host)) === undefined);
    assert.deepEqual(await primaries(), [high.name], `${high.name} (most WAL) was promoted, not ${low.name}`);
    assert.equal(await inRecovery(low.host), true, `${low.name} stays a standby`);
    // Writes go on through pgpool, on the promoted node, with every acknowledged row.
    await waitUntil('a write through pgpool', async () => {
      await query(layout.pgpool.address, 9999, 'INSERT INTO failover_choice VALUES (1001) ON CONFLICT DO NOTHING');
      return true;
    });
    const n = await query<{ n: string }>(high.host, 5432, 'SELECT count(*) AS n FROM failover_choice');
    assert.equal(n[0]?.n, '1001');
    const log = readOnHost(layout, layout.pgpool.address, layout.pgpool.logFile);
    const ids = new Map(layout.nodes.map((x) => [x.name, x.id]));
    assert.match(log, new RegExp(`failover\\.sh: chose node ${ids.get(high.name)} .* it received the most WAL .*pgpool proposed node ${ids.get(low.name)}`));
  } finally {
    // pgpool's follow_primary re-points the lagging standby; the old primary is recovered by the CLI.
    await restoreLab();
  }
});
