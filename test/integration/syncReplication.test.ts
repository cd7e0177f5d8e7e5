// Synchronous replication on the lab through the CLI: the setting on every node, each standby's sync_state in
// status, a commit that waits while no standby confirms it, and back to asynchronous.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import type { ClusterStatus } from '../../src/core/status/model';
import { NODES, ops, primaries, restoreLab, waitUntil } from './opsLab';
import { query } from '../lab/labFixture';

function status(): ClusterStatus {
  const r = ops(['status', '--json']);
  return (JSON.parse(r.stdout) as { clusters: ClusterStatus[] }).clusters[0]!;
}
const syncStates = (s: ClusterStatus): string[] => s.nodes.filter((n) => n.role === 'standby').map((n) => n.lag?.syncState ?? '?').sort();

test('sync FIRST 1, ANY 1, then off: the setting on every node and the standbys\' sync_state in status', async () => {
  await restoreLab();
  const [primaryName] = await primaries();
  const primary = NODES.find((n) => n.name === primaryName)!;
  const names = `("${NODES.map((n) => n.name).join('", "')}")`;
  try {
    const first = ops(['sync', 'FIRST', '1', '--yes']);
    assert.equal(first.code, 0, first.stderr);
    await waitUntil('one standby sync, the other potential', async () => syncStates(status()).join() === 'potential,sync');
    for (const n of NODES) {
      const rows = await query<{ v: string }>(n.host, 5432, "SELECT current_setting('synchronous_standby_names') AS v");
      assert.equal(rows[0]?.v, `FIRST 1 ${names}`, `${n.name} carries the line (a promoted standby keeps it)`);
    }
    const s = status();
    assert.equal(s.nodes.find((n) => n.name === primary.name)?.postgres.syncStandbyNames, `FIRST 1 ${names}`);
    assert.match(ops(['status']).stdout, new RegExp(`Synchronous replication on ${primary.name}: FIRST 1`));

    const any = ops(['sync', 'set', 'ANY', '1', '--yes']);
    assert.equal(any.code, 0, any.stderr);
    await waitUntil('both standbys in the quorum', async () => syncStates(status()).join() === 'quorum,quorum');

    // The commit waits for a standby: with replay paused on both, a remote_apply commit sits in SyncRep until it is
    // cancelled, which PostgreSQL reports as a cancelled wait for synchronous replication.
    const standbys = NODES.filter((n) => n.name !== primary.name);
    const c = new Client({ host: primary.host, port: 5432, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 5000 });
    const notices: string[] = [];
    c.on('notice', (n) => notices.push(n.message ?? ''));
    await c.connect();
    try {
      await c.query('CREATE TABLE IF NOT EXISTS sync_probe (id int)');
      const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      for (const n of standbys) await query(n.host, 5432, 'SELECT pg_wal_replay_pause()');
      await c.query('SET synchronous_commit = remote_apply');
      const insert = c.query('INSERT INTO sync_probe VALUES (1)');
      await waitUntil('the commit to wait for synchronous replication', async () =>
        (await query<{ w: string | null }>(primary.host, 5432, 'SELECT wait_event AS w FROM pg_stat_activity WHERE pid = $1', [pid]))[0]?.w === 'SyncRep', 20_000);
      await query(primary.host, 5432, 'SELECT pg_cancel_backend($1)', [pid]);
      await insert;
      assert.ok(notices.some((m) => /canceling wait for synchronous replication/.test(m)), `notices: ${notices.join(' | ')}`);
    } finally {
      for (const n of standbys) await query(n.host, 5432, 'SELECT pg_wal_replay_resume()').catch(() => undefined);
      await c.query('RESET synchronous_commit').catch(() => undefined);
      await c.query('DROP TABLE IF EXISTS sync_probe').catch(() => undefined);
      await c.end();
    }

    const refused = ops(['sync', 'ANY', '3', '--yes']);
    assert.equal(refused.code, 3, 'more standbys than the cluster has is refused');
    assert.match(refused.stderr, /wait forever/);
    const bad = ops(['sync', 'SOME', '1', '--yes']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /ANY n or FIRST n/);
  } finally {
    const off = ops(['sync', 'off', '--yes']);
    assert.equal(off.code, 0, off.stderr);
  }
  await waitUntil('both standbys async again', async () => syncStates(status()).join() === 'async,async');
  assert.equal(status().nodes.find((n) => n.name === primary.name)?.postgres.syncStandbyNames, '');
});
