import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { Client } from 'pg';
import { labLayout } from '../../src/core/lab/layout';
import { cli, labUser, ssh } from '../lab/labFixture';
import { retry } from '../harness/wait';

/*
 * The seed's scenario on PostgreSQL 11 (recovery.conf world) and 17 (no matching pg_basebackup: copy by the
 * low-level backup API + rsync), each in its own lab on another loopback prefix so the main lab is untouched.
 * `method` is the full copy that works with the hosts' pg_basebackup 15, for recover and setup-replication.
 */
const versions = [
  { major: 11, net: '127.0.1', method: 'basebackup', standbyFile: 'recovery.conf' },
  { major: 17, net: '127.0.2', method: 'copy', standbyFile: 'standby.signal' },
] as const;

async function sql<T extends Record<string, unknown>>(host: string, port: number, text: string, passfile: string, params: unknown[] = []): Promise<T[]> {
  process.env.PGPASSFILE = passfile;
  const c = new Client({ host, port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 5000, query_timeout: 30_000 });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}


for (const v of versions) {
  test(`PostgreSQL ${v.major}: failover, writes, and the old primary recovered with every row`, async (t) => {
    const dir = `/var/lib/pgpool-cluster-lab-pg${v.major}`;
    const lab = ['lab', '--dir', dir, '--net', v.net];
    const layout = labLayout(dir, 3, v.net);
    const pgpool = `${v.net}.10`;
    try {
      const up = cli([...lab, 'up', '--postgres', String(v.major)]);
      assert.equal(up.code, 0, up.stderr + up.stdout);
      const pass = layout.pgpassFile;
      const version = await sql<{ v: string }>(layout.nodes[0]!.address, 5432, "SELECT current_setting('server_version_num') AS v", pass);
      assert.equal(Math.floor(Number(version[0]?.v) / 10000), v.major, 'the servers run the asked version');
      assert.ok(readFileSync(`${layout.nodes[1]!.dataDir}/${v.standbyFile}`), `standby configured with ${v.standbyFile}`);

      await sql(pgpool, 9999, 'CREATE TABLE seed (id int PRIMARY KEY, v text)', pass);
      await sql(pgpool, 9999, "INSERT INTO seed SELECT g, 'before' FROM generate_series(1, 100) g", pass);
      const kill = spawnSync('ssh', ['-F', '/dev/null', '-T', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${layout.clientKnownHosts}`,
        '-i', layout.clientKey, '-p', '2222', `${labUser()}@${layout.nodes[0]!.address}`,
        `pg_ctl -D '${layout.nodes[0]!.dataDir}' -m immediate stop`], { encoding: 'utf8' });
      assert.equal(kill.status, 0, kill.stderr);

      await retry('a write through pgpool after failover', () =>
        sql(pgpool, 9999, "INSERT INTO seed SELECT g, 'after' FROM generate_series(101, 200) g ON CONFLICT DO NOTHING", pass));
      const nodes = await retry('pgpool to show node 1 as primary', () => sql<{ node_id: string; role: string; status: string }>(pgpool, 9999, 'SHOW pool_nodes', pass),
        (rows) => rows.some((r) => r.node_id === '1' && r.role === 'primary' && r.status === 'up'));
      assert.equal(nodes.find((r) => r.node_id === '0')?.status, 'down');
      const promoted = await sql<{ r: boolean }>(layout.nodes[1]!.address, 5432, 'SELECT pg_is_in_recovery() AS r', pass);
      assert.equal(promoted[0]?.r, false);

      await t.test(`recover the old primary (--method ${v.method})`, async () => {
        const r = cli(['recover', 'node0', '--file', layout.clusterFile, '--yes', '--method', v.method], { PGPASSFILE: pass, PCPPASSFILE: layout.pcppassFile });
        assert.equal(r.code, 0, r.stderr + r.stdout);
        const rows = await retry('node0 to replay every row as a standby', () =>
          sql<{ r: boolean; before: string; after: string }>(layout.nodes[0]!.address, 5432,
            "SELECT pg_is_in_recovery() AS r, count(*) FILTER (WHERE v = 'before') AS before, count(*) FILTER (WHERE v = 'after') AS after FROM seed", pass),
        (x) => x[0]?.after === '100');
        assert.deepEqual(rows[0], { r: true, before: '100', after: '100' });
        const pool = await retry('pgpool to list node0 up', () => sql<{ node_id: string; status: string }>(pgpool, 9999, 'SHOW pool_nodes', pass),
          (x) => x.find((n) => n.node_id === '0')?.status === 'up');
        assert.equal(pool.filter((n) => n.status === 'up').length, 3);
      });

      await t.test('switchover, promote with fencing, and the default recover run for real', async () => {
        const env = { PGPASSFILE: pass, PCPPASSFILE: layout.pcppassFile };
        const run = (args: string[]): void => {
          const r = cli([...args, '--file', layout.clusterFile, '--yes'], env);
          assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}${r.stdout}`);
        };
        const roles = async (): Promise<Array<boolean | undefined>> => Promise.all(layout.nodes.map(async (n) => {
          try { return (await sql<{ r: boolean }>(n.address, 5432, 'SELECT pg_is_in_recovery() AS r', pass))[0]?.r; } catch { return undefined; }
        }));
        run(['switchover', 'node0']);
        assert.deepEqual(await roles(), [false, true, true], 'after switchover: node0 the only primary');
        // pgpool may still restart its children for the detach/attach the switchover made: a client retries.
        await retry('a write through pgpool after the switchover', () =>
          sql(pgpool, 9999, "INSERT INTO seed SELECT g, 'switched' FROM generate_series(201, 250) g ON CONFLICT DO NOTHING", pass));
        run(['promote', 'node2', '--fence']);
        assert.deepEqual(await roles(), [undefined, true, false], 'after promote --fence: node2 the only primary, node0 stopped');
        run(['recover', 'node0']);
        const rows = await retry('node0 to replay every row again', () =>
          sql<{ r: boolean; n: string }>(layout.nodes[0]!.address, 5432, 'SELECT pg_is_in_recovery() AS r, count(*) AS n FROM seed', pass),
        (x) => x[0]?.n === '250');
        assert.deepEqual(rows[0], { r: true, n: '250' });
        assert.deepEqual(await roles(), [true, true, false]);
      });

      // node2 is the primary now: the wiped node is node1, a standby of it.
      await t.test(`setup-replication rebuilds a wiped standby (${v.major === 17 ? 'default method: copy' : `--method ${v.method}`})`, async () => {
        const env = { PGPASSFILE: pass, PCPPASSFILE: layout.pcppassFile };
        const [primary, node] = [layout.nodes[2]!, layout.nodes[1]!];
        const stop = ssh(layout, labUser(), node.address, `pg_ctl -D '${node.dataDir}' -m immediate -w stop`);
        assert.equal(stop.code, 0, stop.stderr);
        rmSync(node.dataDir, { recursive: true, force: true });
        await retry('a write through pgpool while node1 is gone', () =>
          sql(pgpool, 9999, "INSERT INTO seed SELECT g, 'rebuilt' FROM generate_series(251, 300) g ON CONFLICT DO NOTHING", pass));

        // Without --method the plan picks the copy the hosts' pg_basebackup 15 can make of this version.
        const dry = cli(['setup-replication', 'node1', '--file', layout.clusterFile, '--dry-run', '--json'], env);
        assert.equal(dry.code, 0, dry.stderr + dry.stdout);
        const planned = JSON.parse(dry.stdout) as { summary: string; steps: { id: string }[] };
        const stepIds = planned.steps.map((x) => x.id);
        assert.ok(stepIds.includes(v.method === 'copy' ? 'copy-node1' : 'basebackup-node1'), stepIds.join(' '));
        assert.match(planned.summary, new RegExp(`copied by ${v.method} \\(pg_basebackup 15 on the node`));
        assert.ok(!existsSync(node.dataDir), 'the dry run changed nothing');

        const started = Date.now();
        const r = cli(['setup-replication', 'node1', '--file', layout.clusterFile, '--yes', ...(v.major === 17 ? [] : ['--method', v.method])], env);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        t.diagnostic(`setup-replication node1 on PostgreSQL ${v.major}: ${Date.now() - started} ms`);

        const rows = await retry('node1 to replay every row as a standby', () =>
          sql<{ r: boolean; n: string }>(node.address, 5432, 'SELECT pg_is_in_recovery() AS r, count(*) AS n FROM seed', pass), (x) => x[0]?.n === '300');
        assert.deepEqual(rows[0], { r: true, n: '300' });
        const onPrimary = await sql<{ n: string }>(primary.address, 5432, 'SELECT count(*) AS n FROM seed', pass);
        assert.equal(onPrimary[0]?.n, '300');
        const rep = await sql<{ state: string }>(primary.address, 5432, "SELECT state FROM pg_stat_replication WHERE application_name = 'node1'", pass);
        assert.deepEqual(rep, [{ state: 'streaming' }], 'node2 streams to node1');
        assert.ok(existsSync(`${node.dataDir}/${v.standbyFile}`), `node1 configured with ${v.standbyFile}`);
        if (v.major === 11) assert.match(readFileSync(`${node.dataDir}/recovery.conf`, 'utf8'), /^standby_mode = 'on'$/m);
        const pool = await retry('pgpool to list 3 nodes up', () => sql<{ node_id: string; status: string }>(pgpool, 9999, 'SHOW pool_nodes', pass),
          (x) => x.filter((n) => n.status === 'up').length === 3);
        assert.equal(pool.length, 3);
      });
    } finally {
      cli([...lab, 'down']);
    }
  });
}
