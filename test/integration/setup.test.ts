import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { parseClusterFile } from '../../src/core/inventory/parseClusterFile';
import { labLayout } from '../../src/core/lab/layout';
import { cli, labUser } from '../lab/labFixture';
import { waitUntil } from '../harness/wait';

// Setup operations against a PRIVATE lab beside the shared one (others use the main lab concurrently);
// PGPOOL_CLUSTER_LAB_DIR / PGPOOL_CLUSTER_LAB_NET move it too.
const DIR = process.env.PGPOOL_CLUSTER_LAB_DIR ?? '/var/lib/pgpool-cluster-lab-setup';
const NET = process.env.PGPOOL_CLUSTER_LAB_NET ?? '127.0.7';
const layout = labLayout(DIR, 3, NET);
const FILE = layout.clusterFile;
const state = mkdtempSync(join(tmpdir(), 'pgc-setup-'));
let ENV: Record<string, string> = { PGPOOL_CLUSTER_STATE_DIR: state };
const run = (args: string[]): ReturnType<typeof cli> => cli([...args, '--file', FILE], ENV);

async function q<T extends Record<string, unknown>>(host: string, port: number, sql: string): Promise<T[]> {
  const c = new Client({ host, port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 5000, query_timeout: 30_000 });
  await c.connect();
  try { return (await c.query<T>(sql)).rows; } finally { await c.end(); }
}


before(() => {
  const r = cli(['lab', '--dir', DIR, '--net', NET, 'up', '--quiet']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  process.env.PGPASSFILE = layout.pgpassFile;
  const pcpPassword = readFileSync(layout.pcppassFile, 'utf8').trim().split(':')[3] ?? '';
  ENV = { ...ENV, PGPOOL_CLUSTER_PCP_PASSWORD: pcpPassword };
});

after(() => {
  cli(['lab', '--dir', DIR, '--net', NET, 'down']);
  rmSync(state, { recursive: true, force: true });
});

test('check passes on the healthy lab and names the failing cell when a node is stopped', async () => {
  const ok = run(['check', '--json']);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const report = JSON.parse(ok.stdout) as { ok: boolean; cells: { section: string; from: string; to: string; ok: boolean; fix?: string }[] };
  assert.ok(report.ok && report.cells.length > 20);
  const node2 = layout.nodes[2]!;
  const stop = spawnSync('su', [labUser(), '-c', `/usr/lib/postgresql/15/bin/pg_ctl -D ${node2.dataDir} -m fast -w stop`], { encoding: 'utf8' });
  assert.equal(stop.status, 0, stop.stderr);
  try {
    const bad = run(['check', '--json']);
    assert.equal(bad.code, 1);
    const cells = (JSON.parse(bad.stdout) as typeof report).cells.filter((c) => !c.ok);
    const port = cells.find((c) => c.section === 'postgres-port' && c.from === 'pgpool' && c.to === 'node2');
    assert.ok(port, JSON.stringify(cells));
    assert.match(port.fix ?? '', /Start PostgreSQL on node2/);
    assert.ok(cells.every((c) => c.to === 'node2' || c.from === 'node2'), JSON.stringify(cells));
  } finally {
    spawnSync('su', [labUser(), '-c', `/usr/lib/postgresql/15/bin/pg_ctl -D ${node2.dataDir} -l ${node2.dataDir}/startup.log -w start`]);
    run(['attach', 'node2', '--yes']);
  }
});

test('configure-pgpool: lint-clean config, --dry-run changes nothing, a real run deploys with backups and pgpool keeps serving', async () => {
  const conf = join(layout.pgpool.confDir, 'pgpool.conf');
  const before = readFileSync(conf, 'utf8');
  const dry = run(['configure-pgpool', '--profile', 'balanced', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^-health_check_period = 1$/m);
  assert.match(dry.stdout, /^\+health_check_period = 5$/m);
  assert.equal(readFileSync(conf, 'utf8'), before, 'dry run changed nothing');
  assert.ok(!readdirSync(layout.pgpool.confDir).some((f) => f.includes('.pgpool-cluster-')));

  const lint = cli(['lint', '--pgpool-version', '4.3', conf]);
  assert.equal(lint.code, 0, `the lab's generated pgpool.conf lints clean: ${lint.stdout}${lint.stderr}`);

  const real = run(['configure-pgpool', '--profile', 'balanced', '--yes']);
  assert.equal(real.code, 0, real.stdout + real.stderr);
  const after = readFileSync(conf, 'utf8');
  assert.match(after, /^health_check_period = 5$/m);
  const backups = readdirSync(layout.pgpool.confDir).filter((f) => f.startsWith('pgpool.conf.pgpool-cluster-'));
  assert.equal(backups.length, 1);
  assert.equal(readFileSync(join(layout.pgpool.confDir, backups[0]!), 'utf8'), before, 'the backup is the old file');
  const period = await q<{ item: string; value: string }>(layout.pgpool.address, 9999, 'PGPOOL SHOW health_check_period');
  assert.equal(period[0]?.value, '5', 'pgpool reloaded the new value');
  const nodes = await q<{ status: string }>(layout.pgpool.address, 9999, 'SHOW pool_nodes');
  assert.equal(nodes.length, 3);
  assert.ok(nodes.every((n) => n.status === 'up' || n.status === 'waiting'));
  const again = run(['configure-pgpool', '--profile', 'balanced', '--yes']);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /Replace |Create /, 'a second run writes nothing (only the idempotent CREATE EXTENSION runs)');
  assert.equal(readdirSync(layout.pgpool.confDir).filter((f) => f.startsWith('pgpool.conf.pgpool-cluster-')).length, 1);
  assert.equal(run(['configure-pgpool', '--profile', 'fast', '--yes']).code, 0);
});

test('configure-pgpool edits a hand-edited pgpool.conf it discovers from the running pgpool: only managed lines change', async () => {
  const conf = join(layout.pgpool.confDir, 'pgpool.conf');
  // A cluster file without configFile: the path comes from pgpool's command line on its host.
  const file = join(state, 'discover.yaml');
  writeFileSync(file, readFileSync(FILE, 'utf8').split('\n').filter((l) => !/^\s*configFile:/.test(l)).join('\n'));
  const runD = (args: string[]): ReturnType<typeof cli> => cli([...args, '--file', file], ENV);
  const handEdited = `${readFileSync(conf, 'utf8')}\n# hand-written: keep me\nlog_line_prefix = '%m: keep %p '\nhealth_check_period = 7   # incident override\n`;
  writeFileSync(conf, handEdited);
  const dry = runD(['configure-pgpool', '--profile', 'fast', '--dry-run']);
  assert.equal(dry.code, 0, dry.stdout + dry.stderr);
  assert.match(dry.stdout, new RegExp(`discovered: ${conf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} from pid \\d+ \\(pgpool -f\\)`));
  assert.match(dry.stdout, /health_check_period: '7' -> '1' \(1 earlier duplicate\(s\) commented out\)/);
  assert.match(dry.stdout, /^-health_check_period = 7 {3}# incident override$/m);
  assert.equal(readFileSync(conf, 'utf8'), handEdited, 'dry run changed nothing');

  const real = runD(['configure-pgpool', '--profile', 'fast', '--yes']);
  assert.equal(real.code, 0, real.stdout + real.stderr);
  const after = readFileSync(conf, 'utf8').split('\n');
  const before = handEdited.split('\n');
  assert.equal(after.length, before.length, 'no line added or removed');
  const differing = before.map((l, i) => [l, after[i] ?? ''] as const).filter(([a, b]) => a !== b);
  assert.deepEqual(differing.map(([a, b]) => [a.replace(/ =.*/, ''), b.replace(/ =.*/, '')]), [
    ['health_check_period', '#pgpool-cluster: superseded by a later line: health_check_period'],
    ['health_check_period', 'health_check_period'],
  ]);
  assert.ok(after.includes('health_check_period = 1   # incident override'), 'written in place, its comment kept');
  assert.ok(after.includes("log_line_prefix = '%m: keep %p '") && after.includes('# hand-written: keep me'));
  const period = await q<{ item: string; value: string }>(layout.pgpool.address, 9999, 'PGPOOL SHOW health_check_period');
  assert.equal(period[0]?.value, '1', 'pgpool reloaded the edited file');
  const again = runD(['configure-pgpool', '--profile', 'fast', '--yes']);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /Edit |Replace |Create /, 'a second run writes nothing');
});

test('import-pgpool-conf --probe on the lab\'s pgpool.conf: pgpool host from listen_addresses, versions filled, status works at once', () => {
  const copy = join(state, 'copy.pgpool.conf');
  // Without node1's data directory: the probe asks the server (SHOW data_directory).
  writeFileSync(copy, readFileSync(join(layout.pgpool.confDir, 'pgpool.conf'), 'utf8').replace(/^backend_data_directory1 = .*$/m, ''));
  const out = join(state, 'imported.yaml');
  const imported = cli(['import-pgpool-conf', copy, '--probe', '-o', out], ENV);
  assert.equal(imported.code, 0, imported.stdout + imported.stderr);
  assert.match(imported.stderr, /probed: pgpool-II 4\.3, PostgreSQL 15 \(from node0\), data directories of node1/);
  const text = readFileSync(out, 'utf8');
  assert.match(text, new RegExp(`host: ${layout.pgpool.address.replace(/\./g, '\\.')}\\n`));
  assert.match(text, /pgpoolVersion: "4\.3"/);
  assert.doesNotMatch(text, /configFile/);
  const parsed = parseClusterFile(text);
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
  assert.equal(parsed.value.clusters[0]?.nodes[1]?.dataDirectory, layout.nodes[1]!.dataDir, 'filled from SHOW data_directory');
  const status = cli(['status', '--json', '--file', out], ENV);
  assert.equal(status.code, 0, status.stdout + status.stderr);
  const nodes = (JSON.parse(status.stdout) as { clusters: { nodes: { role: string }[] }[] }).clusters[0]?.nodes ?? [];
  assert.deepEqual(nodes.map((n) => n.role), ['primary', 'standby', 'standby']);
});

test('setup-replication rebuilds a node whose data directory was wiped: it streams again with every row', async () => {
  const [primary, , node] = [layout.nodes[0]!, layout.nodes[1]!, layout.nodes[2]!];
  await q(primary.address, 5432, 'CREATE TABLE IF NOT EXISTS setup_rows (id int PRIMARY KEY)');
  await q(primary.address, 5432, 'INSERT INTO setup_rows SELECT generate_series(1, 5000) ON CONFLICT DO NOTHING');
  spawnSync('su', [labUser(), '-c', `/usr/lib/postgresql/15/bin/pg_ctl -D ${node.dataDir} -m immediate -w stop`]);
  rmSync(node.dataDir, { recursive: true, force: true });
  await q(primary.address, 5432, 'INSERT INTO setup_rows SELECT generate_series(5001, 6000)');

  const dry = run(['setup-replication', 'node2', '--slot', 'node2_slot', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.ok(!existsSync(node.dataDir), 'dry run changed nothing');
  const r = run(['setup-replication', 'node2', '--slot', 'node2_slot', '--yes']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  await waitUntil('node2 to have every row', async () => (await q<{ n: string }>(node.address, 5432, 'SELECT count(*) AS n FROM setup_rows'))[0]?.n === '6000');
  const rep = await q<{ application_name: string; state: string }>(primary.address, 5432, "SELECT application_name, state FROM pg_stat_replication WHERE application_name = 'node2'");
  assert.equal(rep[0]?.state, 'streaming');
  const slot = await q<{ active: boolean }>(primary.address, 5432, "SELECT active FROM pg_replication_slots WHERE slot_name = 'node2_slot'");
  assert.equal(slot[0]?.active, true);
  const pool = await q<{ node_id: string; status: string }>(layout.pgpool.address, 9999, 'SHOW pool_nodes');
  assert.ok(['up', 'waiting'].includes(pool.find((p) => p.node_id === '2')?.status ?? ''));
});

/** Content and mtime of every file setup-ssh-trust may touch in the lab. */
function trustFiles(): Record<string, string> {
  const files = [...[layout.pgpool, ...layout.nodes].map((h) => join(h.sshdDir, 'authorized_keys')), layout.postgresKnownHosts, layout.postgresKey, `${layout.postgresKey}.pub`];
  return Object.fromEntries(files.map((f) => [f, existsSync(f) ? `${statSync(f).mtimeMs} ${readFileSync(f, 'utf8')}` : '(missing)']));
}

test('ssh trust: check reports a hop missing from authorized_keys; setup-ssh-trust fixes it, --dry-run and a second run change nothing', async () => {
  const keys = join(layout.nodes[1]!.sshdDir, 'authorized_keys');
  const original = readFileSync(keys, 'utf8');
  const originalKnown = readFileSync(layout.postgresKnownHosts, 'utf8');
  const postgresKey = readFileSync(`${layout.postgresKey}.pub`, 'utf8').trim().split(/\s+/)[1] ?? '';
  const node2Name = `[${layout.nodes[2]!.address}]:`;
  const pgpoolKeys = readFileSync(join(layout.pgpool.sshdDir, 'authorized_keys'), 'utf8');
  spawnSync('sh', ['-c', 'grep -v -F "$2" "$1" > "$1.tmp" && cat "$1.tmp" > "$1" && rm -f "$1.tmp"', '_', keys, postgresKey]);
  // node2's host key is gone from the postgres user's known_hosts too: setup-ssh-trust must scan and verify it.
  spawnSync('sh', ['-c', 'grep -v -F "$2" "$1" > "$1.tmp" && cat "$1.tmp" > "$1" && rm -f "$1.tmp"', '_', layout.postgresKnownHosts, node2Name]);
  let fixed = false;
  try {
    const bad = run(['check', '--json']);
    assert.equal(bad.code, 1);
    const cells = (JSON.parse(bad.stdout) as { cells: { section: string; from: string; to: string; ok: boolean; fix?: string }[] }).cells.filter((c) => !c.ok);
    assert.ok(cells.some((c) => c.section === 'ssh' && c.from === 'pgpool' && c.to === 'node1' && /setup-ssh-trust/.test(c.fix ?? '')), JSON.stringify(cells));
    assert.ok(cells.some((c) => c.section === 'ssh' && c.from === 'node0' && c.to === 'node2' && /known_hosts/.test(c.fix ?? '')), JSON.stringify(cells));

    const before = trustFiles();
    const dry = run(['setup-ssh-trust', '--dry-run']);
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    assert.match(dry.stdout, /Authorize pgpool's key .* on node1/);
    assert.match(dry.stdout, /ssh-keyscan/);
    const json = run(['setup-ssh-trust', '--dry-run', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const ids = (JSON.parse(json.stdout) as { steps: { id: string }[] }).steps.map((x) => x.id);
    assert.ok(ids.includes('prove-pgpool-node1') && ids.includes('prove-node2-node0') && !ids.some((x) => /^(authorize|known-host|prove)-.*-pgpool$/.test(x)), ids.join(' '));
    assert.deepEqual(trustFiles(), before, 'a dry run changes no file');

    const fix = run(['setup-ssh-trust', '--yes']);
    assert.equal(fix.code, 0, fix.stdout + fix.stderr);
    fixed = true;
    assert.ok(readFileSync(keys, 'utf8').includes(postgresKey), 'the postgres key is authorized on node1 again');
    assert.ok(readFileSync(layout.postgresKnownHosts, 'utf8').includes(node2Name), "node2's host key is known again");
    assert.equal(readFileSync(join(layout.pgpool.sshdDir, 'authorized_keys'), 'utf8'), pgpoolKeys, 'the pgpool host gets no node keys');
    assert.match(fix.stderr, /skipped: Create the SSH key pair/, 'existing keys are kept');
    const good = run(['check', '--json']);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    // Each hop is proven on the real servers, not only in our report.
    for (const n of layout.nodes) {
      const r = spawnSync('su', [labUser(), '-c', `ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -i ${layout.postgresKey} -o UserKnownHostsFile=${layout.postgresKnownHosts} -p 2222 ${labUser()}@${n.address} true`], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${n.address}: ${r.stderr}`);
    }

    const settled = trustFiles();
    const again = run(['setup-ssh-trust', '--yes']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal((again.stderr.match(/skipped: (Authorize|Add )/g) ?? []).length, 18, again.stderr);
    assert.deepEqual(trustFiles(), settled, 'a second run changes no file');
  } finally {
    if (!fixed) {
      spawnSync('sh', ['-c', 'printf "%s" "$2" > "$1"', '_', keys, original]);
      spawnSync('sh', ['-c', 'printf "%s" "$2" > "$1"', '_', layout.postgresKnownHosts, originalKnown]);
    }
  }
  assert.equal(run(['check']).code, 0);
});
