/** Status, SSH and tunnels against the real lab (test/lab). Leaves the lab healthy. */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ensureLab, repoRoot } from '../lab/labFixture';
import { unmetPrecondition } from '../harness/precondition';
import { defaultLabDir } from '../../src/core/lab/layout';
import { loadClusterFile } from '../../src/core/inventory/load';
import type { ClusterDefinition, NodeDefinition } from '../../src/core/inventory/model';
import { SshPool } from '../../src/core/remote/sshPool';
import { SshRemoteHost } from '../../src/core/remote/sshRemoteHost';
import { resolveSshTarget } from '../../src/core/remote/sshConfig';
import { openTunnel } from '../../src/core/remote/tunnel';
import { RemoteError } from '../../src/core/remote/errors';
import { PgSqlClient } from '../../src/core/db/pgClient';
import { queryNodeState } from '../../src/core/db/nodeQueries';
import { pcpAttachNode, pcpNodeInfo } from '../../src/core/db/pcp';
import { StatusCollector } from '../../src/core/status/collector';
import type { ClusterStatus } from '../../src/core/status/model';
import { waitFor } from '../harness/wait';

let cluster: ClusterDefinition;
let pool: SshPool;
let clusterFile: string;

before(async () => {
  clusterFile = path.join(defaultLabDir(), 'pgpool-cluster.yaml');
  try {
    ensureLab();
  } catch (err) {
    // Another session may be using (or restarting) the lab; an already running lab is good enough.
    if (!existsSync(clusterFile)) throw err;
  }
  const loaded = await loadClusterFile(clusterFile);
  assert.ok(loaded.ok, !loaded.ok ? loaded.message : '');
  cluster = loaded.file.clusters[0]!;
  pool = new SshPool({ hostKeyPolicy: { mode: 'strict' }, agentSocket: null });
});

after(async () => {
  await pool.close();
});

const target = (n: { host: string; ssh: NodeDefinition['ssh'] }, override: Partial<NodeDefinition['ssh']> = {}) =>
  resolveSshTarget(n.host, { ...n.ssh, ...override }, {});

async function until(collector: StatusCollector, ok: (s: ClusterStatus) => boolean, ms: number): Promise<ClusterStatus> {
  // The caller asserts on the last status, so a timeout is not an error here.
  let s = await collector.refresh();
  await waitFor('the status', async () => ok(s) || ok((s = await collector.refresh())), ms, 300).catch(() => undefined);
  return s;
}

test('a healthy lab: one primary, two streaming standbys, pgpool agrees', async () => {
  const c = new StatusCollector(cluster, { timeoutMs: 3000 });
  try {
    const s = await until(c, (x) => x.health === 'healthy', 20_000);
    assert.equal(s.health, 'healthy', JSON.stringify(s.problems));
    assert.equal(s.pgpool.reachable, true);
    assert.match(s.pgpool.version ?? '', /^4\./);
    assert.equal(s.nodes.filter((n) => n.role === 'primary').length, 1);
    for (const n of s.nodes.filter((x) => x.role === 'standby')) {
      assert.equal(n.postgres.walReceiverStatus, 'streaming');
      assert.equal(typeof n.lag?.bytes, 'number');
      assert.equal(n.pgpool?.role, 'standby');
    }
    assert.ok(s.nodes.every((n) => n.postgres.serverVersionNum! >= 150000 && n.postgres.timeline! >= 1));
  } finally {
    await c.close();
  }
});

test('the CLI prints the same model as JSON and exits 0', () => {
  const script = `require(${JSON.stringify(path.join(repoRoot, 'out/src/cli/status.js'))}).runStatus({ json: true, timeout: '3000', file: ${JSON.stringify(clusterFile)} }).then((c) => { process.exitCode = c; })`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const json = JSON.parse(r.stdout) as { clusters: { name: string; nodes: { name: string; role: string; status: string }[]; problems: unknown[] }[] };
  assert.equal(json.clusters[0]!.name, 'lab');
  assert.deepEqual(json.clusters[0]!.nodes.map((n) => n.name), ['node0', 'node1', 'node2']);
  assert.ok(json.clusters[0]!.nodes.every((n) => ['primary', 'standby'].includes(n.role) && ['up', 'waiting'].includes(n.status)));
});

test('SSH exec with host-key verification: exit codes, hostile words, stdin, timeout, files', async () => {
  const node = cluster.nodes[0]!;
  const host = new SshRemoteHost(pool, target(node));
  const who = await host.exec(['id', '-un']);
  assert.deepEqual([who.code, who.stdout.trim()], [0, 'postgres']);
  const hostile = ["it's", 'a;b', '$(touch /tmp/pwned-it)', 'new\nline', ''];
  const echo = await host.exec(['printf', '%s\\0', ...hostile]);
  assert.deepEqual(echo.stdout.split('\0').slice(0, -1), hostile);
  assert.equal((await host.exec({ script: 'exit 3' })).code, 3);
  assert.equal((await host.exec(['cat'], { stdin: 'from stdin' })).stdout, 'from stdin');
  const slow = await host.exec(['sleep', '30'], { timeoutMs: 200 });
  assert.equal(slow.timedOut, true);
  const streamed: string[] = [];
  await host.exec({ script: 'echo one; echo two >&2' }, { onStdout: (c) => streamed.push(`out:${c.trim()}`), onStderr: (c) => streamed.push(`err:${c.trim()}`) });
  assert.deepEqual(streamed.sort(), ['err:two', 'out:one']);
  const file = `/tmp/pgpool-cluster-it-${process.pid}.txt`;
  await host.writeFile(file, 'hello\n', { mode: 0o600 });
  assert.equal((await host.readFile(file)).toString(), 'hello\n');
  await host.exec(['rm', '-f', file]);
  const before = pool.stats().connectionsOpened;
  await Promise.all(Array.from({ length: 20 }, () => host.exec(['true'])));
  assert.equal(pool.stats().connectionsOpened, before, '20 concurrent commands reuse one connection');
  // Cancel once the remote command is running (it said so), not after a guess at how long that takes.
  const ac = new AbortController();
  await assert.rejects(host.exec({ script: 'echo started; exec sleep 30' }, { signal: ac.signal, onStdout: () => ac.abort() }),
    (e: RemoteError) => e.code === 'cancelled');
});

test('a wrong host key is refused loudly; an unknown one refused in strict mode, remembered with accept-new', async () => {
  const node = cluster.nodes[1]!;
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-'));
  const wrong = path.join(dir, 'wrong_known_hosts');
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const s = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  // known_hosts names port 22 by the host alone, as OpenSSH writes it.
  const pattern = (node.ssh.port ?? 22) === 22 ? node.host : `[${node.host}]:${node.ssh.port}`;
  writeFileSync(wrong, `${pattern} ssh-ed25519 ${Buffer.concat([s(Buffer.from('ssh-ed25519')), s(raw)]).toString('base64')}\n`);
  await assert.rejects(pool.exec(target(node, { knownHostsFile: wrong }), ['true']),
    (e: RemoteError) => e.code === 'host-key-changed' && /REMOTE HOST IDENTIFICATION HAS CHANGED/.test(e.message));
  const empty = path.join(dir, 'empty_known_hosts');
  await assert.rejects(pool.exec(target(node, { knownHostsFile: empty }), ['true']),
    (e: RemoteError) => e.code === 'host-key-unknown' && /SHA256:/.test(e.message));
  const lenient = new SshPool({ hostKeyPolicy: { mode: 'accept-new' }, agentSocket: null });
  try {
    assert.equal((await lenient.exec(target(node, { knownHostsFile: empty }), ['true'])).code, 0);
    const remembered = (node.ssh.port ?? 22) === 22 ? node.host.replace(/\./g, '\\.') : `\\[${node.host.replace(/\./g, '\\.')}\\]:${node.ssh.port}`;
    assert.match(readFileSync(empty, 'utf8'), new RegExp(`^${remembered} ssh-`));
  } finally {
    await lenient.close();
  }
});

test('sshd refusing and a wrong user give specific errors', async () => {
  const node = cluster.nodes[2]!;
  await assert.rejects(pool.exec(target(node, { port: 2299 }), ['true']), (e: RemoteError) => e.code === 'connect-failed' && /refused/.test(e.message));
  await assert.rejects(pool.exec(target(node, { user: 'nobody' }), ['true']), (e: RemoteError) => e.code === 'auth-failed' && /refused every login method/.test(e.message));
});

test('SSH tunnel path to a node\'s PostgreSQL and a tunnelled status refresh', async () => {
  const node = cluster.nodes[0]!;
  const tunnel = await openTunnel(pool, target(node), node.host, node.port);
  const client = new PgSqlClient({ host: node.host, port: node.port, user: 'postgres', database: 'postgres', passfile: cluster.database.passfile!, via: async () => ({ host: tunnel.localHost, port: tunnel.localPort }) });
  try {
    const view = await queryNodeState(client);
    assert.ok(view.serverVersionNum >= 150000);
  } finally {
    await client.close();
    await tunnel.close();
  }
  const c = new StatusCollector({ ...cluster, database: { ...cluster.database, tunnel: true } }, { sshPool: pool, timeoutMs: 5000 });
  try {
    const s = await until(c, (x) => x.health === 'healthy', 10_000);
    assert.equal(s.health, 'healthy', JSON.stringify(s.problems));
  } finally {
    await c.close();
  }
});

test('stop a standby: status shows it down; restart and pcp_attach_node bring it back', { timeout: 150_000 }, async (t) => {
  const c = new StatusCollector(cluster, { timeoutMs: 2000 });
  const first = await until(c, (x) => x.health === 'healthy', 20_000);
  // Never disturb a lab someone else has left degraded (nothing to restore it to); under CI that is a failure.
  const unhealthy = first.health === 'healthy' ? undefined : `lab not healthy (${first.problems.map((p) => p.code).join(', ')}); not stopping anything`;
  if (unhealthy) await c.close();
  if (unmetPrecondition(unhealthy, (r) => t.skip(r))) return;
  const standby = first.nodes.find((n) => n.role === 'standby');
  assert.ok(standby, 'the lab has a standby');
  const def = cluster.nodes.find((n) => n.id === standby.id)!;
  const host = new SshRemoteHost(pool, target(def));
  const pgCtl = path.posix.join(def.binDir ?? '/usr/lib/postgresql/15/bin', 'pg_ctl');
  const pgpoolDef = cluster.pgpool[0]!;
  const pcpTarget = { remote: new SshRemoteHost(pool, target(pgpoolDef)), host: pgpoolDef.host, port: pgpoolDef.pcpPort, user: pgpoolDef.pcpUser!, passFile: pgpoolDef.pcpPassFile!, binDir: pgpoolDef.binDir! };
  try {
    const stop = await host.exec([pgCtl, 'stop', '-D', def.dataDirectory!, '-m', 'fast', '-w'], { timeoutMs: 30_000 });
    assert.equal(stop.code, 0, stop.stderr);
    const down = await until(c, (x) => { const n = x.nodes.find((m) => m.id === def.id)!; return !n.postgres.reachable && n.status === 'down'; }, 20_000);
    const n = down.nodes.find((m) => m.id === def.id)!;
    assert.equal(n.postgres.reachable, false);
    assert.equal(n.status, 'down');
    assert.equal(down.health, 'degraded');
    assert.ok(down.problems.some((p) => p.code === 'node-unreachable' && p.nodes.includes(def.name)));
  } finally {
    const log = path.posix.join(path.posix.dirname(def.dataDirectory!), 'restart.log');
    const start = await host.exec([pgCtl, 'start', '-D', def.dataDirectory!, '-l', log, '-w', '-t', '60'], { timeoutMs: 70_000 });
    assert.equal(start.code, 0, start.stdout + start.stderr);
    const info = await pcpNodeInfo(pcpTarget, def.id);
    if (info.status === 'down') await pcpAttachNode(pcpTarget, def.id);
    const back = await until(c, (x) => x.health === 'healthy', 30_000);
    await c.close();
    assert.equal(back.health, 'healthy', JSON.stringify(back.problems));
  }
});
