import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { cli, cliPath, ensureLab, labUser, query, queryPgpool, ssh } from '../lab/labFixture';

// Operations through the real CLI against the shared lab; every assertion reads the real servers.
const layout = ensureLab();
const FILE = layout.clusterFile;
const state = mkdtempSync(join(tmpdir(), 'pgc-ops-'));
const ENV = { PGPOOL_CLUSTER_STATE_DIR: state };
const NODES = [
  { name: 'node0', host: '127.0.0.11' }, { name: 'node1', host: '127.0.0.12' }, { name: 'node2', host: '127.0.0.13' },
];

const ops = (args: string[]): ReturnType<typeof cli> => cli([...args, '--file', FILE], ENV);

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try { if (await check()) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function inRecovery(host: string): Promise<boolean | undefined> {
  try {
    return (await query<{ r: boolean }>(host, 5432, 'SELECT pg_is_in_recovery() AS r'))[0]?.r;
  } catch {
    return undefined;
  }
}

/** Names of the nodes PostgreSQL itself reports as primary. */
async function primaries(): Promise<string[]> {
  const r = await Promise.all(NODES.map(async (n) => ((await inRecovery(n.host)) === false ? n.name : undefined)));
  return r.filter((x): x is string => x !== undefined);
}

async function standbysStreamingFrom(primaryHost: string): Promise<string[]> {
  const rows = await query<{ application_name: string }>(primaryHost, 5432, "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'");
  return rows.map((r) => r.application_name).sort();
}

async function healthy(): Promise<boolean> {
  const p = await primaries();
  if (p.length !== 1) return false;
  const host = NODES.find((n) => n.name === p[0])!.host;
  if ((await standbysStreamingFrom(host)).length !== 2) return false;
  const pool = await queryPgpool<{ status: string; role: string }>('SHOW pool_nodes', [], 5);
  return pool.every((n) => n.status === 'up' || n.status === 'waiting') && pool.filter((n) => n.role === 'primary').length === 1;
}

/** Leaves the lab as other tests expect it: every down node recovered, one primary, all streaming. */
async function restoreLab(): Promise<void> {
  if (await healthy().catch(() => false)) return;
  for (const n of NODES) {
    const r = await inRecovery(n.host);
    const pool = await queryPgpool<{ hostname: string; status: string }>('SHOW pool_nodes', [], 10);
    const inPool = pool.find((x) => x.hostname === n.host);
    if (r === undefined || inPool?.status === 'down') ops(['recover', n.name, '--method', 'basebackup', '--yes']);
  }
  await waitUntil('the lab to be healthy again', healthy, 60_000);
}

after(async () => { await restoreLab().catch(() => undefined); });

async function currentPrimary(): Promise<{ name: string; host: string }> {
  let p: string[] = [];
  await waitUntil('exactly one primary', async () => (p = await primaries()).length === 1);
  return NODES.find((n) => n.name === p[0])!;
}

test('--dry-run prints the plan and changes nothing', async () => {
  await restoreLab();
  const primary = await currentPrimary();
  const standby = NODES.find((n) => n !== primary)!;
  const before = await query<{ tli: number }>(primary.host, 5432, 'SELECT timeline_id AS tli FROM pg_control_checkpoint()');
  for (const args of [['switchover', standby.name], ['promote', standby.name, '--fence'], ['detach', standby.name], ['recover', standby.name, '--method', 'basebackup']]) {
    const r = ops([...args, '--dry-run']);
    if (args[0] === 'recover') assert.equal(r.code, 3, 'a healthy standby is not recovered');
    else {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`# ${args[0]} ${standby.name} on cluster lab`));
    }
  }
  const json = JSON.parse(ops(['switchover', standby.name, '--dry-run', '--json']).stdout) as { steps: { command: string | null }[] };
  assert.ok(json.steps.some((s) => s.command?.includes('pg_ctl')));
  assert.deepEqual(await primaries(), [primary.name]);
  assert.deepEqual(await query<{ tli: number }>(primary.host, 5432, 'SELECT timeline_id AS tli FROM pg_control_checkpoint()'), before);
  assert.ok(await healthy(), 'still healthy');
  assert.ok(!existsSync(join(state, 'locks', 'lab.lock')));
});

test('promote is refused while the primary is alive, allowed with fencing; the old primary comes back by rewind', async () => {
  await restoreLab();
  const primary = await currentPrimary();
  const target = NODES.find((n) => n !== primary)!;
  const refused = ops(['promote', target.name, '--yes']);
  assert.equal(refused.code, 3, refused.stderr);
  assert.match(refused.stderr, /two primaries/);
  assert.deepEqual(await primaries(), [primary.name], 'no second primary appeared');

  await queryPgpool('CREATE TABLE IF NOT EXISTS ops_promote (id int PRIMARY KEY)');
  await queryPgpool('TRUNCATE ops_promote');
  await queryPgpool('INSERT INTO ops_promote SELECT generate_series(1, 500)');
  const fenced = ops(['promote', target.name, '--fence', '--yes', '--json']);
  assert.equal(fenced.code, 0, fenced.stderr + fenced.stdout);
  const outcome = JSON.parse(fenced.stdout) as { lostWalBytes?: number };
  assert.equal(outcome.lostWalBytes, 0, 'a fenced (clean) stop loses nothing');
  assert.deepEqual(await primaries(), [target.name], 'exactly the chosen node is primary');
  assert.equal(await inRecovery(primary.host), undefined, 'the old primary is stopped');
  const rows = await queryPgpool<{ n: string }>('SELECT count(*) AS n FROM ops_promote');
  assert.equal(rows[0]?.n, '500');
  await queryPgpool('INSERT INTO ops_promote SELECT generate_series(501, 600)');

  const rec = ops(['recover', primary.name, '--yes']);
  assert.equal(rec.code, 0, rec.stderr + rec.stdout);
  assert.match(rec.stderr, /pg_rewind/, 'the default method for a node of the same system is pg_rewind');
  await waitUntil('the old primary to have every row', async () => (await query<{ n: string }>(primary.host, 5432, 'SELECT count(*) AS n FROM ops_promote'))[0]?.n === '600');
  assert.equal(await inRecovery(primary.host), true);
  assert.ok((await standbysStreamingFrom(target.host)).includes(primary.name));
  await waitUntil('healthy', healthy);
});

test('switchover under a steady stream of inserts through pgpool loses no acknowledged row', async () => {
  await restoreLab();
  const primary = await currentPrimary();
  const target = NODES.find((n) => n !== primary)!;
  await queryPgpool('CREATE TABLE IF NOT EXISTS ops_switch (id int PRIMARY KEY)');
  await queryPgpool('TRUNCATE ops_switch');
  const acked: number[] = [];
  let stop = false;
  let next = 1;
  const writer = (async () => {
    let c: Client | undefined;
    while (!stop) {
      const id = next++;
      try {
        if (!c) { c = new Client({ host: '127.0.0.10', port: 9999, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 }); c.on('error', () => undefined); await c.connect(); }
        await c.query('INSERT INTO ops_switch VALUES ($1)', [id]);
        acked.push(id);
      } catch {
        await c?.end().catch(() => undefined);
        c = undefined;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await c?.end().catch(() => undefined);
  })();
  await new Promise((r) => setTimeout(r, 1000));
  const r = await new Promise<{ code: number; out: string }>((resolve) => {
    const p = spawn(process.execPath, [cliPath, 'switchover', target.name, '--yes', '--file', FILE], { env: { ...process.env, ...ENV } });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
  await new Promise((res) => setTimeout(res, 1000));
  stop = true;
  await writer;
  assert.equal(r.code, 0, r.out);
  assert.ok(acked.length > 50, `writes were acknowledged (${acked.length})`);
  assert.deepEqual(await primaries(), [target.name], 'exactly one primary, the target');
  const have = new Set((await query<{ id: number }>(target.host, 5432, 'SELECT id FROM ops_switch')).map((x) => x.id));
  const lost = acked.filter((id) => !have.has(id));
  assert.deepEqual(lost, [], 'every acknowledged row exists on the new primary');
  await waitUntil('all standbys streaming from the new primary', async () => (await standbysStreamingFrom(target.host)).length === 2);
  await waitUntil('healthy', healthy);
});

test('recover of a crashed standby by basebackup (rewind: see the promote test)', async () => {
  await restoreLab();
  const primary = await currentPrimary();
  const [a, b] = NODES.filter((n) => n !== primary) as [typeof NODES[number], typeof NODES[number]];
  await queryPgpool('CREATE TABLE IF NOT EXISTS ops_recover (id int PRIMARY KEY)');
  await queryPgpool('TRUNCATE ops_recover');
  // pcp_recovery_node is covered by failover.test.ts; here it wedged pgpool once (see the report), so only basebackup.
  void b;
  for (const [node, method] of [[a, 'basebackup' as 'basebackup' | 'pcp']] as const) {
    const dir = layout.nodes.find((x) => x.name === node.name)!.dataDir;
    const kill = ssh(layout, labUser(), node.host, `/usr/lib/postgresql/15/bin/pg_ctl -D '${dir}' -m immediate stop`);
    assert.equal(kill.code, 0, kill.stderr);
    await waitUntil(`pgpool to mark ${node.name} down`, async () => {
      const pool = await queryPgpool<{ hostname: string; status: string }>('SHOW pool_nodes');
      return pool.find((x) => x.hostname === node.host)?.status === 'down';
    });
    await queryPgpool(`INSERT INTO ops_recover SELECT generate_series(${method === 'pcp' ? 1001 : 1}, ${method === 'pcp' ? 1100 : 100})`);
    const r = ops(['recover', node.name, '--method', method, '--yes']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stderr, method === 'pcp' ? /pcp_recovery_node/ : /pg_basebackup/);
    assert.equal(await inRecovery(node.host), true);
    await waitUntil(`${node.name} to stream with the new rows`, async () => {
      const n = (await query<{ n: string }>(node.host, 5432, 'SELECT count(*) AS n FROM ops_recover'))[0]?.n;
      return n === (method === 'pcp' ? '200' : '100') && (await standbysStreamingFrom(primary.host)).includes(node.name);
    });
  }
  await waitUntil('healthy', healthy);
});

test('hostile node names and paths in a cluster file are never executed by a shell', async () => {
  await restoreLab();
  const marker = join(tmpdir(), `pgc-pwned-${process.pid}`);
  const evilDir = `/tmp/pgc-hostile'; touch ${marker}; echo '$(touch ${marker}2)\`touch ${marker}3\``;
  const evilName = `evil$(touch ${marker}4);x`;
  const text = readFileSync(FILE, 'utf8').replace(/\n {4}nodes:\n/, `\n    nodes:\n      - name: ${JSON.stringify(evilName)}\n        id: 3\n        host: 127.0.0.13\n        port: 5999\n        dataDirectory: ${JSON.stringify(evilDir)}\n        binDir: /usr/lib/postgresql/15/bin\n`);
  const file = join(state, 'hostile.yaml');
  writeFileSync(file, text);
  const dry = cli(['recover', evilName, '--method', 'rewind', '--dry-run', '--file', file], ENV);
  assert.equal(dry.code, 0, dry.stderr);
  const run = cli(['recover', evilName, '--method', 'rewind', '--yes', '--file', file], ENV);
  assert.equal(run.code, 1, run.stderr + run.stdout);
  assert.match(run.stdout + run.stderr, /pg_rewind/);
  for (const suffix of ['', '2', '3', '4']) {
    assert.ok(!existsSync(`${marker}${suffix}`), `marker ${suffix} not created locally`);
    assert.notEqual(ssh(layout, labUser(), '127.0.0.13', `test -e ${marker}${suffix}`).code, 0, `marker ${suffix} not created on the host`);
  }
  assert.ok(await healthy(), 'the real cluster was not touched');
});
