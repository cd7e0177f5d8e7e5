/**
 * Setup operations (check, configure-pgpool, import, setup-replication, setup-ssh-trust) on an isolated lab of
 * their own: every host its own network and mount namespace, sharing no file with this workstation, so nothing
 * here passes because a host could read the workstation's .pgpass, keys or cluster file. Its own folder and net
 * (PGPOOL_CLUSTER_SETUP_LAB_DIR / PGPOOL_CLUSTER_SETUP_LAB_NET) keep it beside the main lab others use.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { parseClusterFile } from '../../src/core/inventory/parseClusterFile';
import { isolatedLabLayout } from '../../src/core/lab/layout';
import { onMachine } from '../../src/core/lab/isolation';
import { shellCommand } from '../../src/core/remote/shellQuote';
import { cli, ssh } from '../lab/labFixture';
import { waitUntil } from '../harness/wait';
import { unmetPrecondition } from '../harness/precondition';

const SETUP_LAB_DEFAULT_DIR = '/var/lib/pgpool-cluster-lab-setup';
const SETUP_LAB_DEFAULT_NET = '10.213.3';
const DIR = process.env.PGPOOL_CLUSTER_SETUP_LAB_DIR ?? SETUP_LAB_DEFAULT_DIR;
const NET = process.env.PGPOOL_CLUSTER_SETUP_LAB_NET ?? SETUP_LAB_DEFAULT_NET;
const isRoot = process.getuid?.() === 0;
const layout = isolatedLabLayout(DIR, 3, NET);
const FILE = layout.clusterFile;
const PG_BIN = '/usr/lib/postgresql/15/bin';
/** The postgres user's files on every host (its home is a filesystem of that host only). */
const HOME = '/var/lib/postgresql';
/** pgpool.conf as pgpool runs it (a path on the pgpool host), and where its folder is bind-mounted from on this machine. */
const CONF = join(layout.pgpool.confDir, 'pgpool.conf');
const confDirHere = onMachine(layout.pgpool, layout.pgpool.confDir);
const confHere = join(confDirHere, 'pgpool.conf');
const state = mkdtempSync(join(tmpdir(), 'pgc-setup-'));
let ENV: Record<string, string> = { PGPOOL_CLUSTER_STATE_DIR: state };
let up = false;
const run = (args: string[]): ReturnType<typeof cli> => cli([...args, '--file', FILE], ENV);
const lab = (args: string[]): ReturnType<typeof cli> => cli(['lab', '--dir', DIR, '--net', NET, ...args]);

/** A shell command on a lab host as postgres, over SSH as the operator would; throws with its stderr. */
function onHost(address: string, command: string): string {
  const r = ssh(layout, 'postgres', address, command);
  if (r.code !== 0) throw new Error(`on ${address}: ${command}\nexit ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Needs root (namespaces): a skip with the reason on a workstation, a failure under CI. */
const needsLab = (t: TestContext): boolean =>
  unmetPrecondition(!isRoot ? 'the isolated lab needs root (network and mount namespaces)' : !up ? 'lab up failed (see the before hook)' : undefined, (r) => t.skip(r));

async function q<T extends Record<string, unknown>>(host: string, port: number, sql: string): Promise<T[]> {
  const c = new Client({ host, port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 5000, query_timeout: 30_000 });
  await c.connect();
  try { return (await c.query<T>(sql)).rows; } finally { await c.end(); }
}

const pgCtl = (node: { address: string; dataDir: string; logFile: string }, args: string[]): string =>
  onHost(node.address, shellCommand([`${PG_BIN}/pg_ctl`, '-D', node.dataDir, ...args]));

before(() => {
  if (!isRoot) return;
  const r = lab(['up', '--isolated', '--quiet']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  up = true;
  process.env.PGPASSFILE = layout.pgpassFile;
  const pcpPassword = readFileSync(layout.pcppassFile, 'utf8').trim().split(':')[3] ?? '';
  ENV = { ...ENV, PGPOOL_CLUSTER_PCP_PASSWORD: pcpPassword };
});

after(() => {
  if (isRoot) lab(['down']);
  rmSync(state, { recursive: true, force: true });
});

test('the hosts share no file with this workstation: its lab folder, pass files and keys are not there', (t) => {
  if (needsLab(t)) return;
  for (const h of [layout.pgpool, ...layout.nodes]) {
    for (const f of [layout.pgpassFile, layout.pcppassFile, layout.clientKey, layout.clusterFile, FILE]) {
      assert.equal(ssh(layout, 'postgres', h.address, shellCommand(['test', '-e', f])).code, 1, `${f} is not visible on ${h.name}`);
    }
  }
});

test('check passes on the healthy lab and names the failing cell when a node is stopped', async (t) => {
  if (needsLab(t)) return;
  const ok = run(['check', '--json']);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const report = JSON.parse(ok.stdout) as { ok: boolean; cells: { section: string; from: string; to: string; ok: boolean; fix?: string }[] };
  assert.ok(report.ok && report.cells.length > 20);
  const node2 = layout.nodes[2]!;
  pgCtl(node2, ['-m', 'fast', '-w', 'stop']);
  try {
    const bad = run(['check', '--json']);
    assert.equal(bad.code, 1);
    const cells = (JSON.parse(bad.stdout) as typeof report).cells.filter((c) => !c.ok);
    const port = cells.find((c) => c.section === 'postgres-port' && c.from === 'pgpool' && c.to === 'node2');
    assert.ok(port, JSON.stringify(cells));
    assert.match(port.fix ?? '', /Start PostgreSQL on node2/);
    assert.ok(cells.every((c) => c.to === 'node2' || c.from === 'node2'), JSON.stringify(cells));
  } finally {
    pgCtl(node2, ['-l', node2.logFile, '-w', 'start']);
    run(['attach', 'node2', '--yes']);
  }
});

test('configure-pgpool: lint-clean config, --dry-run changes nothing, a real run deploys with backups and pgpool keeps serving', async (t) => {
  if (needsLab(t)) return;
  // The pgpool host's /etc/pgpool2 is read here through its folder on this machine (the test's view, not the tool's).
  const conf = confHere;
  const before = readFileSync(conf, 'utf8');
  const dry = run(['configure-pgpool', '--profile', 'balanced', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^-health_check_period = 1$/m);
  assert.match(dry.stdout, /^\+health_check_period = 5$/m);
  assert.equal(readFileSync(conf, 'utf8'), before, 'dry run changed nothing');
  assert.ok(!readdirSync(confDirHere).some((f) => f.includes('.pgpool-cluster-')));

  const lint = cli(['lint', '--pgpool-version', '4.3', conf]);
  assert.equal(lint.code, 0, `the lab's generated pgpool.conf lints clean: ${lint.stdout}${lint.stderr}`);

  const real = run(['configure-pgpool', '--profile', 'balanced', '--yes']);
  assert.equal(real.code, 0, real.stdout + real.stderr);
  const after = readFileSync(conf, 'utf8');
  assert.match(after, /^health_check_period = 5$/m);
  const backups = readdirSync(confDirHere).filter((f) => f.startsWith('pgpool.conf.pgpool-cluster-'));
  assert.equal(backups.length, 1);
  assert.equal(readFileSync(join(confDirHere, backups[0]!), 'utf8'), before, 'the backup is the old file');
  const period = await q<{ item: string; value: string }>(layout.pgpool.address, 9999, 'PGPOOL SHOW health_check_period');
  assert.equal(period[0]?.value, '5', 'pgpool reloaded the new value');
  const nodes = await q<{ status: string }>(layout.pgpool.address, 9999, 'SHOW pool_nodes');
  assert.equal(nodes.length, 3);
  assert.ok(nodes.every((n) => n.status === 'up' || n.status === 'waiting'));
  const again = run(['configure-pgpool', '--profile', 'balanced', '--yes']);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /Replace |Create /, 'a second run writes nothing (only the idempotent CREATE EXTENSION runs)');
  assert.equal(readdirSync(confDirHere).filter((f) => f.startsWith('pgpool.conf.pgpool-cluster-')).length, 1);
  assert.equal(run(['configure-pgpool', '--profile', 'fast', '--yes']).code, 0);
});

test('configure-pgpool edits a hand-edited pgpool.conf it discovers from the running pgpool: only managed lines change', async (t) => {
  if (needsLab(t)) return;
  const conf = confHere;
  // A cluster file without configFile: the path comes from pgpool's command line on its host.
  const file = join(state, 'discover.yaml');
  writeFileSync(file, readFileSync(FILE, 'utf8').split('\n').filter((l) => !/^\s*configFile:/.test(l)).join('\n'));
  const runD = (args: string[]): ReturnType<typeof cli> => cli([...args, '--file', file], ENV);
  const handEdited = `${readFileSync(conf, 'utf8')}\n# hand-written: keep me\nlog_line_prefix = '%m: keep %p '\nhealth_check_period = 7   # incident override\n`;
  writeFileSync(conf, handEdited);
  const dry = runD(['configure-pgpool', '--profile', 'fast', '--dry-run']);
  assert.equal(dry.code, 0, dry.stdout + dry.stderr);
  assert.match(dry.stdout, new RegExp(`discovered: ${CONF.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} from pid \\d+ \\(pgpool -f\\)`));
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

test('import-pgpool-conf --probe on the lab\'s pgpool.conf: pgpool host from listen_addresses, versions filled, status works at once', (t) => {
  if (needsLab(t)) return;
  const copy = join(state, 'copy.pgpool.conf');
  // Without node1's data directory: the probe asks the server (SHOW data_directory).
  writeFileSync(copy, readFileSync(confHere, 'utf8').replace(/^backend_data_directory1 = .*$/m, ''));
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

test('setup-replication rebuilds a node whose data directory was wiped: it streams again with every row, authenticated by its own ~/.pgpass', async (t) => {
  if (needsLab(t)) return;
  const [primary, node] = [layout.nodes[0]!, layout.nodes[2]!];
  await q(primary.address, 5432, 'CREATE TABLE IF NOT EXISTS setup_rows (id int PRIMARY KEY)');
  await q(primary.address, 5432, 'INSERT INTO setup_rows SELECT generate_series(1, 5000) ON CONFLICT DO NOTHING');
  pgCtl(node, ['-m', 'immediate', '-w', 'stop']);
  onHost(node.address, shellCommand(['rm', '-rf', node.dataDir]));
  await q(primary.address, 5432, 'INSERT INTO setup_rows SELECT generate_series(5001, 6000)');
  const dataDirThere = (): boolean => ssh(layout, 'postgres', node.address, shellCommand(['test', '-e', node.dataDir])).code === 0;

  const dry = run(['setup-replication', 'node2', '--slot', 'node2_slot', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.ok(!dataDirThere(), 'dry run changed nothing');
  for (const f of [layout.pgpassFile, layout.dir]) assert.ok(!dry.stdout.includes(f), `the plan names no workstation path (${f}):\n${dry.stdout}`);
  const r = run(['setup-replication', 'node2', '--slot', 'node2_slot', '--yes']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  await waitUntil('node2 to have every row', async () => (await q<{ n: string }>(node.address, 5432, 'SELECT count(*) AS n FROM setup_rows').catch(() => []))[0]?.n === '6000');
  const rep = await q<{ application_name: string; state: string }>(primary.address, 5432, "SELECT application_name, state FROM pg_stat_replication WHERE application_name = 'node2'");
  assert.equal(rep[0]?.state, 'streaming');
  const slot = await q<{ active: boolean }>(primary.address, 5432, "SELECT active FROM pg_replication_slots WHERE slot_name = 'node2_slot'");
  assert.equal(slot[0]?.active, true);
  // The walreceiver authenticates with the standby host's own ~/.pgpass: primary_conninfo names no workstation file.
  const conninfo = (await q<{ c: string }>(node.address, 5432, "SELECT current_setting('primary_conninfo') AS c"))[0]?.c ?? '';
  assert.ok(!conninfo.includes(layout.dir), conninfo);
  assert.doesNotMatch(conninfo, /passfile=(?!'?\/var\/lib\/postgresql\/)/, conninfo);
  await waitUntil('pgpool to list node2 up', async () =>
    ['up', 'waiting'].includes((await q<{ node_id: string; status: string }>(layout.pgpool.address, 9999, 'SHOW pool_nodes').catch(() => [])).find((p) => p.node_id === '2')?.status ?? ''), 30_000, 300);
});

/** The files setup-ssh-trust may touch, on every host, read there: mtime (ns) and content. */
function trustFiles(): Record<string, string> {
  const files = ['.ssh/authorized_keys', '.ssh/known_hosts', '.ssh/id_ed25519', '.ssh/id_ed25519.pub'].map((f) => `${HOME}/${f}`);
  const script = 'for f in "$@"; do if [ -e "$f" ]; then stat -c "%.9Y" "$f"; cat "$f"; else echo "(missing)"; fi; echo "--- $f"; done';
  return Object.fromEntries([layout.pgpool, ...layout.nodes].map((h) => [h.name, onHost(h.address, shellCommand(['sh', '-c', script, 'sh', ...files]))]));
}

/** Removes every line holding `fixed` from a file on a host (as the postgres user there). */
const dropLines = (address: string, file: string, fixed: string): string =>
  onHost(address, shellCommand(['sh', '-c', 'grep -v -F -e "$1" "$0" > "$0.tmp"; cat "$0.tmp" > "$0" && rm -f "$0.tmp"', file, fixed]));

test('ssh trust: check reports a hop missing from authorized_keys; setup-ssh-trust fixes it on the hosts, --dry-run and a second run change nothing', async (t) => {
  if (needsLab(t)) return;
  const [node0, node1, node2] = [layout.nodes[0]!, layout.nodes[1]!, layout.nodes[2]!];
  const keys = `${HOME}/.ssh/authorized_keys`;
  const known = `${HOME}/.ssh/known_hosts`;
  const original = onHost(node1.address, shellCommand(['cat', keys]));
  const originalKnown = onHost(node0.address, shellCommand(['cat', known]));
  // The postgres user's key as the hosts have it (each host its own copy of the pair pgpool's docs set up).
  const postgresKey = onHost(node0.address, shellCommand(['cat', `${HOME}/.ssh/id_ed25519.pub`])).trim().split(/\s+/)[1] ?? '';
  assert.ok(postgresKey.length > 20 && original.includes(postgresKey), 'node1 authorizes the postgres key before the test');
  const node2Name = `${node2.address} `;
  const pgpoolKeys = onHost(layout.pgpool.address, shellCommand(['cat', keys]));
  dropLines(node1.address, keys, postgresKey);
  // node2's host key is gone from node0's known_hosts: setup-ssh-trust must scan and verify it.
  dropLines(node0.address, known, node2Name);
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
    for (const f of [layout.dir, layout.clientKey]) assert.ok(!dry.stdout.includes(f), `the plan names no workstation path (${f})`);
    const json = run(['setup-ssh-trust', '--dry-run', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const ids = (JSON.parse(json.stdout) as { steps: { id: string }[] }).steps.map((x) => x.id);
    assert.ok(ids.includes('prove-pgpool-node1') && ids.includes('prove-node2-node0') && !ids.some((x) => /^(authorize|known-host|prove)-.*-pgpool$/.test(x)), ids.join(' '));
    assert.deepEqual(trustFiles(), before, 'a dry run changes no file');

    const fix = run(['setup-ssh-trust', '--yes']);
    assert.equal(fix.code, 0, fix.stdout + fix.stderr);
    fixed = true;
    assert.ok(onHost(node1.address, shellCommand(['cat', keys])).includes(postgresKey), 'the postgres key is authorized on node1 again');
    assert.ok(onHost(node0.address, shellCommand(['cat', known])).includes(node2Name), "node2's host key is known on node0 again");
    assert.equal(onHost(layout.pgpool.address, shellCommand(['cat', keys])), pgpoolKeys, 'the pgpool host gets no node keys');
    assert.match(fix.stderr, /skipped: Create the SSH key pair/, 'existing keys are kept');
    const good = run(['check', '--json']);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    // Each hop is proven on the hosts themselves, with what the postgres user has there (~/.ssh), not only in our report.
    for (const from of [layout.pgpool, ...layout.nodes]) {
      for (const to of layout.nodes.filter((n) => n.name !== from.name)) {
        const hop = ssh(layout, 'postgres', from.address, shellCommand(['ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=5', `postgres@${to.address}`, 'hostname', '-I']));
        assert.equal(hop.code, 0, `${from.name} -> ${to.name}: ${hop.stderr}`);
        assert.match(hop.stdout, new RegExp(`\\b${to.address.replace(/\./g, '\\.')}\\b`), `${from.name} -> ${to.name} reached ${to.name}`);
      }
    }

    const settled = trustFiles();
    const again = run(['setup-ssh-trust', '--yes']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal((again.stderr.match(/skipped: (Authorize|Add )/g) ?? []).length, 18, again.stderr);
    assert.deepEqual(trustFiles(), settled, 'a second run changes no file');
  } finally {
    if (!fixed) {
      onHost(node1.address, shellCommand(['sh', '-c', 'printf "%s" "$1" > "$0"', keys, original]));
      onHost(node0.address, shellCommand(['sh', '-c', 'printf "%s" "$1" > "$0"', known, originalKnown]));
    }
  }
  assert.equal(run(['check']).code, 0);
});
