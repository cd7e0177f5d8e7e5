import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { authorizedKeysOn, cli, ensureLab, labUser, query, queryPgpool, readOnHost, ssh, testLab } from '../lab/labFixture';
import { waitUntil } from '../harness/wait';

const layout = testLab();
const lab = ['lab', '--net', layout.nodes[0]!.address.split('.').slice(0, 3).join('.')];
const [n0, n1, n2] = layout.nodes.map((n) => n.address) as [string, string, string];

test('lab down, then up from nothing, gives a working cluster', async (t) => {
  assert.equal(cli([...lab, 'down']).code, 0);
  assert.equal(existsSync(layout.dir), false, 'lab down removes the lab folder');

  const up = cli([...lab, 'up', ...(layout.isolation ? ['--isolated'] : [])]);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, /The lab is up in [\d.]+ s/);
  ensureLab();

  await t.test('pgpool lists 3 nodes up with node 0 primary', async () => {
    const rows = await queryPgpool<{ node_id: string; status: string; role: string }>('SHOW pool_nodes');
    assert.deepEqual(rows.map((r) => [r.node_id, r.status, r.role]), [['0', 'up', 'primary'], ['1', 'up', 'standby'], ['2', 'up', 'standby']]);
  });

  await t.test('the primary sees 2 streaming standbys', async () => {
    const rows = await query<{ application_name: string; state: string }>(n0, 5432,
      'SELECT application_name, state FROM pg_stat_replication ORDER BY application_name');
    assert.deepEqual(rows.map((r) => [r.application_name, r.state]), [['node1', 'streaming'], ['node2', 'streaming']]);
  });

  await t.test('replication authenticates with SCRAM, not trust', () => {
    const hba = readOnHost(layout, n0, join(layout.nodes[0]!.dataDir, 'pg_hba.conf'));
    assert.match(hba, /^host\s+replication\s+replicator\s+\S+\s+scram-sha-256$/m);
    assert.doesNotMatch(hba, /^host.*trust/m);
  });

  await t.test('every host answers over SSH with its own verified host key', () => {
    // The isolated hosts' PATH is Debian's for ordinary users: PostgreSQL's programs are found by discovery, not the PATH.
    const pgCtl = layout.isolation ? '/usr/lib/postgresql/15/bin/pg_ctl' : 'pg_ctl';
    for (const host of [layout.pgpool.address, n0, n1, n2]) {
      const r = ssh(layout, labUser(), host, `echo $PWD; ${pgCtl} --version`);
      assert.equal(r.code, 0, `${host}: ${r.stderr}`);
      assert.match(r.stdout, /pg_ctl \(PostgreSQL\) 15/);
      if (layout.isolation) assert.notEqual(ssh(layout, labUser(), host, 'command -v pg_ctl || command -v pcp_node_count').code, 0, `${host}: neither pg_ctl nor pcp tools on the PATH`);
    }
    const keys = readFileSync(layout.clientKnownHosts, 'utf8').trim().split('\n').map((l) => l.split(' ')[2]);
    assert.equal(new Set(keys).size, 4, 'four distinct host keys');
  });

  await t.test('a host key that does not match is refused', () => {
    const lines = readFileSync(layout.clientKnownHosts, 'utf8').trim().split('\n');
    // Claim node1's key for node0's address.
    const swapped = lines.map((l) => (l.startsWith(`[${n0}]`) || l.startsWith(`${n0} `) ? l.replace(/ \S+ \S+$/, ` ${lines[2]!.split(' ').slice(1).join(' ')}`) : l));
    const wrong = join(layout.clientDir, 'known_hosts.wrong');
    writeFileSync(wrong, swapped.join('\n') + '\n');
    const r = ssh(layout, labUser(), n0, 'echo should-not-run', wrong);
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.stdout, /should-not-run/);
    assert.match(r.stderr, /HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  await t.test('trust between hosts is per host: the pgpool host does not accept the postgres key', () => {
    const authorizedPgpool = readOnHost(layout, layout.pgpool.address, authorizedKeysOn(layout, layout.pgpool));
    const authorizedNode = readOnHost(layout, n1, authorizedKeysOn(layout, layout.nodes[1]!));
    const postgresKey = readFileSync(`${layout.postgresKey}.pub`, 'utf8').trim();
    assert.ok(authorizedNode.includes(postgresKey));
    assert.ok(!authorizedPgpool.includes(postgresKey));
  });

  await t.test('a row written through pgpool is read back on a standby', async () => {
    const marker = `lab-${Date.now()}`;
    await queryPgpool('CREATE TABLE IF NOT EXISTS lab_check (v text)');
    await queryPgpool('INSERT INTO lab_check VALUES ($1)', [marker]);
    for (const standby of [n1, n2]) {
      await waitUntil(`the row to be visible on ${standby}`, async () =>
        (await query<{ n: string }>(standby, 5432, 'SELECT count(*) AS n FROM lab_check WHERE v = $1', [marker]))[0]?.n === '1', 10_000, 100);
    }
  });

  await t.test('lab env lines let psql reach pgpool', () => {
    const env = cli([...lab, 'env']);
    assert.equal(env.code, 0);
    assert.ok(env.stdout.includes(`export PGHOST=${layout.pgpool.address}`));
    const r = spawnSync('bash', ['-c', `eval "$(node ${JSON.stringify(join(__dirname, '..', '..', '..', 'dist', 'cli.js'))} lab --net ${lab[2]} env)"; psql -XAtc 'SHOW pool_nodes' | wc -l`], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), '3', r.stderr);
  });

  await t.test('lab up twice is safe', () => {
    const again = cli([...lab, 'up']);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already up/);
  });
});
