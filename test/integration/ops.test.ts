import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { test, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { cli, cliPath, labUser, query, queryPgpool, ssh } from '../lab/labFixture';
import { loadClusterFile } from '../../src/core/inventory/load';
import { ClusterOpsEnvironment } from '../../src/core/ops/engine/environment';
import type { Plan } from '../../src/core/ops/engine/plan';
import { runPlan } from '../../src/core/ops/engine/runner';
import { srCheckIdleSteps } from '../../src/core/ops/engine/steps';
import type { OpsInput } from '../../src/core/ops/engine/input';
import type { SshPool } from '../../src/core/remote/sshPool';
import { shellCommand } from '../../src/core/remote/shellQuote';
import { CLEAN_STOP_MARKER, TARGET_FILE_MARKER } from '../../src/core/ops/setup/pgpoolConfig';
import {
  crash, currentPrimary, ENV, FILE, healthy, inRecovery, layout, NODES, ops, PGPOOL, poolNodes, primaries, restoreLab, standbysStreamingFrom,
  state, timeline, waitUntil, writerThroughPgpool,
} from './opsLab';

// Operations through the real CLI against the shared lab; every assertion reads the real servers, and each
// test leaves the lab healthy (3 nodes up, one primary, standbys streaming) through the CLI's own recover.
afterEach(async () => { await restoreLab(); });
after(async () => { await restoreLab().catch(() => undefined); });

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

test('promote is refused while the primary is alive, allowed with fencing; the cleanly stopped old primary follows without a rewind', async () => {
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
  // Fenced = stopped cleanly after its standbys received the shutdown checkpoint: its WAL ends where the new
  // timeline forked, so the default restarts it as a standby (no pg_rewind, no copy).
  assert.match(rec.stderr, /by restart \(its WAL ends at .* never diverged/, 'the default for a node that never diverged is a restart');
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
  const { acked, stop } = writerThroughPgpool('ops_switch');
  // The writer is really writing through pgpool before the switchover starts.
  await waitUntil('the writer to have 20 acknowledged inserts', async () => acked.length >= 20, 30_000);
  const r = await new Promise<{ code: number; out: string }>((resolve) => {
    const p = spawn(process.execPath, [cliPath, 'switchover', target.name, '--yes', '--file', FILE], { env: { ...process.env, ...ENV } });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
  // ...and writes again after it, through the new primary.
  const ackedAtEnd = acked.length;
  try {
    assert.equal(r.code, 0, r.out);
    await waitUntil('the writer to get 20 more inserts acknowledged after the switchover', async () => acked.length >= ackedAtEnd + 20, 30_000);
  } finally {
    await stop();
  }
  assert.ok(acked.length >= 40, `writes were acknowledged (${acked.length})`);
  assert.deepEqual(await primaries(), [target.name], 'exactly one primary, the target');
  const have = new Set((await query<{ id: number }>(target.host, 5432, 'SELECT id FROM ops_switch')).map((x) => x.id));
  const lost = acked.filter((id) => !have.has(id));
  assert.deepEqual(lost, [], 'every acknowledged row exists on the new primary');
  await waitUntil('all standbys streaming from the new primary', async () => (await standbysStreamingFrom(target.host)).length === 2);
  await waitUntil('healthy', healthy);
});

test('a switchover that fails after stopping the primary, with no node promoted, puts the old primary back: one primary, no acknowledged row lost', async () => {
  await restoreLab();
  const primary = await currentPrimary();
  const target = NODES.find((n) => n !== primary)!;
  await queryPgpool('CREATE TABLE IF NOT EXISTS ops_undo (id int PRIMARY KEY)');
  await queryPgpool('TRUNCATE ops_undo');
  // pgpool's failover promotes nothing (as when its script fails): a no-op script keeps the markers, so the
  // switchover still hands over through the target file. The target cannot pass the old primary's checkpoint.
  const script = `${layout.pgpool.confDir}/failover.sh`;
  const onPgpool = (argv: string[]): void => { const r = ssh(layout, labUser(), PGPOOL, shellCommand(argv)); assert.equal(r.code, 0, r.stderr); };
  onPgpool(['cp', '-p', '--', script, `${script}.ops-test`]);
  const writer = writerThroughPgpool('ops_undo');
  let r = { code: 1, out: '' };
  try {
    onPgpool(['sh', '-c', 'printf "%s\\n" "#!/bin/bash" "$2: x" "$3: $4" "exit 0" > "$1"', '_', script, CLEAN_STOP_MARKER, TARGET_FILE_MARKER, `${layout.pgpool.confDir}/failover.target`]);
    await query(target.host, 5432, 'SELECT pg_wal_replay_pause()');
    await waitUntil('the writer to have 20 acknowledged inserts', async () => writer.acked.length >= 20, 30_000);
    // Spawned, not spawnSync: the writer keeps writing meanwhile.
    r = await new Promise<{ code: number; out: string }>((resolve) => {
      const p = spawn(process.execPath, [cliPath, 'switchover', target.name, '--yes', '--file', FILE], { env: { ...process.env, ...ENV } });
      let out = '';
      p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
      p.on('close', (code) => resolve({ code: code ?? 1, out }));
    });
  } finally {
    onPgpool(['mv', '-f', '--', `${script}.ops-test`, script]);
    await query(target.host, 5432, 'SELECT pg_wal_replay_resume()').catch(() => undefined);
  }
  const ackedAtEnd = writer.acked.length;
  try {
    assert.notEqual(r.code, 0, r.out);
    const out = r.out;
    assert.match(out, new RegExp(`${primary.name} is stopped and ${target.name} has not replayed all of its WAL, so it was not promoted`), out);
    assert.match(out, new RegExp(`Undone: ${primary.name} runs again as the primary and pgpool routes writes to it; ${target.name} was not promoted`), out);
    await waitUntil('the writer to get 20 more inserts acknowledged after the undo', async () => writer.acked.length >= ackedAtEnd + 20, 30_000);
  } finally {
    await writer.stop();
  }
  assert.deepEqual(await primaries(), [primary.name], 'exactly one primary, the old one');
  assert.equal(await inRecovery(target.host), true, `${target.name} is still a standby`);
  const have = new Set((await query<{ id: number }>(primary.host, 5432, 'SELECT id FROM ops_undo')).map((x) => x.id));
  assert.deepEqual(writer.acked.filter((id) => !have.has(id)), [], 'every acknowledged row exists on the primary');
  assert.equal((await poolNodes()).find((n) => n.role === 'primary')?.hostname, primary.host, 'pgpool routes writes to the old primary');
});

test('recover of a crashed standby: the default restarts it as a standby; --method basebackup copies it', async () => {
  await restoreLab();
  const primary = await currentPrimary();
  const [a, b] = NODES.filter((n) => n !== primary) as [typeof NODES[number], typeof NODES[number]];
  await queryPgpool('CREATE TABLE IF NOT EXISTS ops_recover (id int PRIMARY KEY)');
  await queryPgpool('TRUNCATE ops_recover');
  // pcp_recovery_node is covered by failover.test.ts.
  for (const [node, method, from] of [[a, undefined, 1], [b, 'basebackup', 101]] as const) {
    await queryPgpool('INSERT INTO ops_recover SELECT generate_series($1::int, $1::int + 49)', [from]);
    await crash(node);
    await queryPgpool('INSERT INTO ops_recover SELECT generate_series($1::int + 50, $1::int + 99)', [from]);
    const r = ops(['recover', node.name, ...(method ? ['--method', method] : []), '--yes']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    if (method) assert.match(r.stderr, /pg_basebackup/);
    else {
      assert.match(r.stderr, /by restart \(it was a standby on the primary's timeline/);
      // No step rewinds or copies (a step's script may name those programs to stop leftovers of an earlier run).
      const steps = r.stderr.split('\n').filter((l) => /^\d+\. /.test(l));
      assert.ok(steps.length > 0, r.stderr);
      assert.deepEqual(steps.filter((l) => /pg_rewind|pg_basebackup|[Rr]ewind|[Cc]opy/.test(l)), [], steps.join('\n'));
    }
    assert.equal(await inRecovery(node.host), true);
    await waitUntil(`${node.name} to stream with the new rows`, async () => {
      const n = (await query<{ n: string }>(node.host, 5432, 'SELECT count(*) AS n FROM ops_recover WHERE id < 1000'))[0]?.n;
      return n === String(from + 99) && (await standbysStreamingFrom(primary.host)).includes(node.name);
    });
    assert.equal(await timeline(node.host), await timeline(primary.host), 'same timeline as the primary (no fork)');
    await queryPgpool('INSERT INTO ops_recover VALUES ($1)', [from + 1000]);
    await waitUntil(`${node.name} to keep replaying`, async () => (await query(node.host, 5432, 'SELECT 1 FROM ops_recover WHERE id = $1', [from + 1000])).length === 1);
  }
  await waitUntil('healthy', healthy);
});

test('a standby promoted behind pgpool\'s back is reported as a false primary and recovered as a standby', async () => {
  await restoreLab();
  const primary = await currentPrimary();
  const rogue = NODES.find((n) => n !== primary)!;
  await query(rogue.host, 5432, 'SELECT pg_promote()');
  await waitUntil(`${rogue.name} out of recovery`, async () => (await inRecovery(rogue.host)) === false);
  assert.deepEqual((await primaries()).sort(), [primary.name, rogue.name].sort(), 'two primaries for real');
  await query(rogue.host, 5432, 'CREATE TABLE IF NOT EXISTS ops_rogue_write (id int)');
  const st = ops(['status', '--json']);
  const report = JSON.parse(st.stdout) as { clusters: { problems: { code: string; nodes: string[] }[] }[] };
  const codes = report.clusters[0]!.problems.filter((p) => p.nodes.includes(rogue.name)).map((p) => p.code);
  assert.ok(codes.includes('false-primary') || codes.includes('split-brain'), `problems: ${JSON.stringify(report.clusters[0]!.problems)}`);

  const r = ops(['recover', rogue.name, '--yes']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stderr, /false primary/);
  assert.match(r.stderr, /pg_rewind/, 'a diverged node is rewound');
  assert.deepEqual(await primaries(), [primary.name], 'one primary again');
  assert.equal(await inRecovery(rogue.host), true);
  await waitUntil(`${rogue.name} streams from ${primary.name}`, async () => (await standbysStreamingFrom(primary.host)).includes(rogue.name));
  assert.equal((await query(rogue.host, 5432, "SELECT 1 FROM pg_class WHERE relname = 'ops_rogue_write'")).length, 0, 'the rogue write is gone');
  await waitUntil('healthy', healthy);
});

test('recover of a node whose sshd is unreachable fails clearly and leaves the cluster as it was', async () => {
  await restoreLab();
  const primary = await currentPrimary();
  const node = NODES.find((n) => n !== primary)!;
  await crash(node);
  const before = { primaries: await primaries(), streaming: await standbysStreamingFrom(primary.host), pool: await poolNodes() };
  // A copy of the cluster file that points this node's ssh at a port nothing listens on.
  const def = parseYaml(readFileSync(FILE, 'utf8')) as { clusters: Array<{ nodes: Array<{ name: string; ssh?: Record<string, unknown> }> }> };
  const target = def.clusters[0]!.nodes.find((n) => n.name === node.name)!;
  target.ssh = { ...(target.ssh ?? {}), port: 1 };
  const text = stringifyYaml(def);
  assert.match(text, /port: 1\n/);
  const file = join(state, 'bad-ssh.yaml');
  writeFileSync(file, text);
  const r = ops(['recover', node.name, '--yes'], file);
  assert.equal(r.code, 1, r.stderr + r.stdout);
  assert.match(r.stdout + r.stderr, new RegExp(`Reach ${node.name}'s host over SSH`));
  assert.match(r.stdout + r.stderr, /Nothing was changed/);
  assert.match(r.stdout + r.stderr, /ECONNREFUSED|refused|connect/i);
  // With --json the outcome carries the error too, with the same exit code.
  const j = ops(['recover', node.name, '--yes', '--json'], file);
  assert.equal(j.code, 1, j.stderr);
  const outcome = JSON.parse(j.stdout) as { ok: boolean; message: string; error?: { code: string; message: string } };
  assert.equal(outcome.ok, false);
  assert.deepEqual(outcome.error, { code: 'failed', message: outcome.message });
  assert.ok(outcome.message.length > 0);
  assert.deepEqual(await primaries(), before.primaries);
  assert.deepEqual(await standbysStreamingFrom(primary.host), before.streaming);
  assert.equal(await inRecovery(node.host), undefined, 'the node was not started');
  assert.deepEqual((await poolNodes()).map((x) => [x.hostname, x.status, x.role]), before.pool.map((x) => [x.hostname, x.status, x.role]));
  const fixed = ops(['recover', node.name, '--yes']);
  assert.equal(fixed.code, 0, fixed.stderr + fixed.stdout);
  await waitUntil('healthy', healthy);
});

test('hostile node names and paths in a cluster file are never executed by a shell', async () => {
  await restoreLab();
  const marker = join(tmpdir(), `pgc-pwned-${process.pid}`);
  const evilDir = `/tmp/pgc-hostile'; touch ${marker}; echo '$(touch ${marker}2)\`touch ${marker}3\``;
  const evilName = `evil$(touch ${marker}4);x`;
  const withNode = (name: string): string => readFileSync(FILE, 'utf8').replace(/\n {4}nodes:\n/, `\n    nodes:\n      - name: ${JSON.stringify(name)}\n        id: 3\n        host: ${NODES[2]!.host}\n        port: 5999\n        dataDirectory: ${JSON.stringify(evilDir)}\n        binDir: /usr/lib/postgresql/15/bin\n`);
  // A name is checked by the cluster file's pattern before anything runs; a path is not, so it must stay one word.
  const badName = join(state, 'hostile-name.yaml');
  writeFileSync(badName, withNode(evilName));
  const refused = cli(['recover', evilName, '--method', 'rewind', '--dry-run', '--json', '--file', badName], ENV);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stdout, /"code": "bad-cluster-file"[\s\S]*is not allowed: use letters, digits/);
  const file = join(state, 'hostile.yaml');
  writeFileSync(file, withNode('evil'));
  const dry = cli(['recover', 'evil', '--method', 'rewind', '--dry-run', '--file', file], ENV);
  assert.equal(dry.code, 0, dry.stderr);
  const run = cli(['recover', 'evil', '--method', 'rewind', '--yes', '--file', file], ENV);
  assert.equal(run.code, 1, run.stderr + run.stdout);
  assert.match(run.stdout + run.stderr, /pg_rewind/);
  for (const suffix of ['', '2', '3', '4']) {
    assert.ok(!existsSync(`${marker}${suffix}`), `marker ${suffix} not created locally`);
    assert.notEqual(ssh(layout, labUser(), NODES[2]!.host, `test -e ${marker}${suffix}`).code, 0, `marker ${suffix} not created on the host`);
  }
  assert.ok(await healthy(), 'the real cluster was not touched');
});

test("the wait before a primary's stop holds while pgpool's replication-check user has a session there, and only then", async () => {
  const p = await currentPrimary();
  // A stand-in for pgpool's sr_check worker mid-check: a session of its own role, busy for a moment.
  const role = 'pgc_srcheck_standin';
  const password = 'standin-password';
  await query(p.host, 5432, `DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} LOGIN PASSWORD '${password}'; END IF; END$$`);
  const loaded = await loadClusterFile(FILE);
  assert.ok(loaded.ok);
  const cluster = loaded.file.clusters[0]!;
  const node = cluster.nodes.find((n) => n.host === p.host)!;
  const [step] = srCheckIdleSteps({ cluster, status: { nodes: [] } as unknown as OpsInput['status'], pgpoolSrCheck: { user: role, periodS: 5 } }, node);
  assert.ok(step, 'the wait is planned for a role other than ours');
  const plan: Plan = {
    operation: 'fence', cluster: cluster.name, node: node.name, summary: 'the wait alone', steps: [step], warnings: [], destructive: false, verify: [],
    versions: { postgres: '15', pgpool: '4.3' },
  };
  const env = new ClusterOpsEnvironment(cluster, { sshPool: {} as SshPool });
  try {
    // Nobody of that role connected: the wait passes at once (pgpool's own sessions as other users do not count).
    const quiet = await runPlan(plan, env);
    assert.equal(quiet.ok, true, quiet.message);
    const sleeper = new Client({ host: p.host, port: 5432, user: role, password, database: 'postgres' });
    await sleeper.connect();
    let ended = false;
    const busy = sleeper.query('SELECT pg_sleep(0.3)').then(async () => { ended = true; await sleeper.end(); });
    await waitUntil('the stand-in session is busy', async () => (await query<{ n: number }>(p.host, 5432, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND state = 'active'", [role]))[0]?.n === 1);
    const warnings: string[] = [];
    const waited = await runPlan(plan, env, { onEvent: (e) => { if (e.type === 'warning') warnings.push(e.message); } });
    assert.equal(waited.ok, true, waited.message);
    assert.deepEqual(warnings, [], 'it did not give up on its bound');
    assert.equal(ended, true, 'the wait ended only once the session had ended');
    await busy;
    // A session of that role older than any check (a monitoring tool logged in as it) does not hold the stop.
    const monitor = new Client({ host: p.host, port: 5432, user: role, password, database: 'postgres' });
    await monitor.connect();
    try {
      await new Promise((r) => setTimeout(r, 10_500));
      const old: string[] = [];
      const passed = await runPlan(plan, env, { onEvent: (e) => { if (e.type === 'warning') old.push(e.message); } });
      assert.equal(passed.ok, true, passed.message);
      assert.deepEqual(old, [], 'an old session of that role is not waited for');
    } finally {
      await monitor.end();
    }
  } finally {
    await env.close();
    await query(p.host, 5432, `DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
  }
});
