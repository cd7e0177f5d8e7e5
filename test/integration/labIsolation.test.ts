// The isolated lab: hosts that share nothing, faults that do what they say, and a down that leaves nothing.
// Runs on the test lab when PGPOOL_CLUSTER_LAB_ISOLATED=1, else on its own isolated lab beside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { isolatedRequested } from '../../src/core/lab/lab';
import { defaultLabDir, defaultLabNet, isolatedLabLayout, isPrivateNet, ISOLATED_DEFAULT_NET, type LabLayout } from '../../src/core/lab/layout';
import { netnsName } from '../../src/core/lab/isolation';
import { shellCommand } from '../../src/core/remote/shellQuote';
import { cli, labUser, ssh } from '../lab/labFixture';
import { unmetPrecondition } from '../harness/precondition';

const isRoot = process.getuid?.() === 0;
const shared = isolatedRequested();
const dir = shared ? defaultLabDir() : `${defaultLabDir().replace(/\/+$/, '')}-isolated`;
const net = isPrivateNet(defaultLabNet()) ? defaultLabNet() : (process.env.PGPOOL_CLUSTER_ISOLATED_NET ?? ISOLATED_DEFAULT_NET);
const env = { PGPOOL_CLUSTER_LAB_DIR: dir, PGPOOL_CLUSTER_LAB_NET: net, PGPOOL_CLUSTER_LAB_ISOLATED: '1' };
const layout: LabLayout = isolatedLabLayout(dir, 3, net);
const iso = layout.isolation!;
const [n0, n1, n2] = layout.nodes.map((n) => n.address) as [string, string, string];
const hosts = [layout.pgpool.address, n0, n1, n2];

const labCli = (...args: string[]): { code: number; stdout: string; stderr: string } => cli(['lab', ...args], env);
const onHost = (host: string, command: string): { code: number; stdout: string; stderr: string } => ssh(layout, labUser(), host, command);
const inNs = (host: string, argv: string[]): { code: number; stdout: string; stderr: string } => {
  const h = [layout.pgpool, ...layout.nodes].find((x) => x.address === host || x.name === host)!;
  const r = spawnSync('ip', ['netns', 'exec', netnsName(iso, h), ...argv], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
};
/** Whether a TCP connection from a host (its network namespace) to addr:port opens. */
const tcpFrom = (host: string, addr: string, port = 22): boolean => inNs(host, ['timeout', '2', 'bash', '-c', `exec 3<>/dev/tcp/${addr}/${port}`]).code === 0;
const tcpFromWorkstation = (addr: string, port = 22): boolean => spawnSync('timeout', ['2', 'bash', '-c', `exec 3<>/dev/tcp/${addr}/${port}`]).status === 0;

/** Whether one UDP datagram from `from` reaches a listener on `to` (one-way faults cannot be seen with TCP). */
async function udpDelivered(from: string, to: string, toAddr: string): Promise<boolean> {
  const h = [layout.pgpool, ...layout.nodes].find((x) => x.name === to)!;
  const listener = spawn('ip', ['netns', 'exec', netnsName(iso, h), 'python3', '-c',
    'import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(("0.0.0.0",47001))\nprint("ready",flush=True)\ns.settimeout(3)\ntry:\n print(s.recv(100).decode(),flush=True)\nexcept socket.timeout:\n print("nothing",flush=True)\n'],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve) => listener.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('ready')) resolve(); }));
  // Several datagrams: the first may wait for ARP.
  for (let i = 0; i < 5; i++) inNs(from, ['bash', '-c', `echo hello > /dev/udp/${toAddr}/47001`]);
  await new Promise<void>((resolve) => listener.on('close', () => resolve()));
  return out.includes('hello');
}

async function sql(host: string, text: string): Promise<string> {
  const pw = readFileSync(layout.pgpassFile, 'utf8').split('\n').find((l) => l.split(':')[3] === 'postgres')!.split(':').slice(4).join(':');
  const c = new Client({ host, port: 5432, user: 'postgres', password: pw, database: 'postgres', connectionTimeoutMillis: 3000, query_timeout: 3000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return String((await c.query<{ v: unknown }>(text)).rows[0]?.v);
  } finally {
    await c.end().catch(() => undefined);
  }
}

const heal = (): void => {
  const r = labCli('heal');
  assert.equal(r.code, 0, r.stderr);
};

test('isolated lab: hosts share nothing, faults do what they say, down leaves nothing', async (t) => {
  if (unmetPrecondition(isRoot ? undefined : 'the isolated lab needs root (network and mount namespaces)', (r) => t.skip(r))) return;
  const up = labCli('up', '--isolated');
  assert.equal(up.code, 0, `${up.stdout}${up.stderr}`);

  await t.test('the workstation\'s files are invisible on every host', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'workstation-'));
    const marker = join(scratch, 'secret.txt');
    writeFileSync(marker, 'only on the workstation\n');
    try {
      for (const h of hosts) {
        for (const path of [marker, layout.pgpassFile, layout.clusterFile, layout.clientKey, join(layout.nodes[0]!.dir, 'seed')]) {
          const r = onHost(h, shellCommand(['test', '-e', path]));
          assert.equal(r.code, 1, `${path} must not exist on ${h} (${r.stderr})`);
        }
        // The lab folder itself is only an empty mount point there.
        assert.equal(onHost(h, `ls -A ${shellCommand([layout.dir])} 2>/dev/null | wc -l`).stdout.trim(), '0');
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  await t.test('a host cannot read another host\'s data directory or see its processes', () => {
    const markerPath = `${layout.nodes[0]!.dataDir}/marker-of-node0`;
    assert.equal(onHost(n0, shellCommand(['touch', markerPath])).code, 0);
    assert.equal(onHost(n0, shellCommand(['test', '-e', markerPath])).code, 0, 'node0 sees its own file');
    for (const h of [n1, n2, layout.pgpool.address]) {
      assert.equal(onHost(h, shellCommand(['test', '-e', markerPath])).code, 1, `${h} does not see node0's file`);
      // No other host's processes, so no /proc/PID/root way into another host's files.
      const r = onHost(h, 'cat /proc/[0-9]*/root/var/lib/postgresql/15/main/marker-of-node0 2>/dev/null; ps -e -o comm=');
      assert.doesNotMatch(r.stdout, /marker/);
      assert.equal(/\bpgpool\b/.test(r.stdout), h === layout.pgpool.address, `pgpool processes are on the pgpool host only (${h})`);
    }
    const ps = onHost(n1, 'ps -e -o comm=').stdout.split('\n').filter((c) => c === 'postgres');
    assert.ok(ps.length >= 3, 'node1 sees its own postgres processes');
  });

  await t.test('each host sees only its own address and the lab subnet', () => {
    for (const h of hosts) {
      const r = onHost(h, 'ip -4 -o addr show; ip route');
      assert.equal(r.code, 0, r.stderr);
      const addrs = [...r.stdout.matchAll(/inet (\S+)\//g)].map((m) => m[1]).sort();
      assert.deepEqual(addrs, ['127.0.0.1', h].sort());
      assert.doesNotMatch(r.stdout, /default/, 'no route out of the lab');
    }
  });

  await t.test('credentials belong to hosts: ~/.pgpass on nodes, ~/.pcppass on the pgpool host, 0600 and owned by postgres', () => {
    for (const [h, file] of [[n0, '.pgpass'], [n1, '.pgpass'], [n2, '.pgpass'], [layout.pgpool.address, '.pcppass']] as const) {
      const r = onHost(h, shellCommand(['stat', '-c', '%a %U', `/var/lib/postgresql/${file}`]));
      assert.equal(r.stdout.trim(), '600 postgres', `${file} on ${h}`);
    }
    const conninfo = onHost(n1, shellCommand(['cat', `${layout.nodes[1]!.dataDir}/postgresql.auto.conf`])).stdout;
    assert.match(conninfo, /primary_conninfo = 'host=\S+ port=5432 user=replicator/);
    assert.doesNotMatch(conninfo, /passfile=/);
  });

  await t.test('partition cuts two hosts apart; heal joins them', () => {
    assert.ok(tcpFrom(n1, n2));
    assert.equal(labCli('fault', 'partition', 'node1', 'node2').code, 0);
    const listed = JSON.parse(labCli('status', '--json').stdout) as { faults: Array<{ fault: { kind: string } }> };
    assert.deepEqual(listed.faults.map((f) => f.fault.kind), ['partition'], 'lab status lists the fault until heal');
    assert.equal(tcpFrom(n1, n2), false);
    assert.equal(tcpFrom(n2, n1), false);
    assert.ok(tcpFrom(n1, n0), 'other links stay up');
    heal();
    assert.ok(tcpFrom(n1, n2));
    assert.deepEqual((JSON.parse(labCli('status', '--json').stdout) as { faults: unknown[] }).faults, []);
  });

  await t.test('partition --oneway loses only A\'s packets to B', async () => {
    assert.equal(labCli('fault', 'partition', 'node1', 'node2', '--oneway').code, 0);
    assert.equal(await udpDelivered('node1', 'node2', n2), false, 'node1 -> node2 lost');
    assert.equal(await udpDelivered('node2', 'node1', n1), true, 'node2 -> node1 delivered');
    heal();
    assert.equal(await udpDelivered('node1', 'node2', n2), true);
  });

  await t.test('isolate cuts a host off from every host and the workstation', () => {
    assert.equal(labCli('fault', 'isolate', n2).code, 0, 'HOST may be an address');
    assert.equal(tcpFrom(n1, n2), false);
    assert.equal(tcpFrom(n2, n0), false);
    assert.equal(tcpFromWorkstation(n2), false);
    assert.ok(tcpFromWorkstation(n1), 'the others stay reachable');
    heal();
    assert.ok(tcpFromWorkstation(n2));
    assert.ok(tcpFrom(n1, n2));
  });

  await t.test('freeze stops every process on the host; heal thaws them', async () => {
    assert.equal(await sql(n2, 'SELECT 1 AS v'), '1');
    assert.equal(labCli('fault', 'freeze', 'node2').code, 0);
    await assert.rejects(sql(n2, 'SELECT 1 AS v'), 'a frozen server does not answer');
    heal();
    assert.equal(await sql(n2, 'SELECT 1 AS v'), '1');
  });

  await t.test('slow shapes the host\'s link with tbf: a bulk copy is throttled', () => {
    assert.equal(labCli('fault', 'slow', 'node0', '8mbit').code, 0);
    const copy = spawnSync('bash', ['-c', `head -c 3000000 /dev/zero | ssh ${shellCommand(['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
      '-o', `UserKnownHostsFile=${layout.clientKnownHosts}`, '-i', layout.clientKey, `${labUser()}@${n0}`, 'cat > /dev/null'])}`], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(copy.status, 0, copy.stderr);
    const stats = spawnSync('tc', ['-s', 'qdisc', 'show', 'dev', `${iso.prefix}-node0`], { encoding: 'utf8' }).stdout;
    assert.match(stats, /qdisc tbf .* rate 8Mbit/);
    const overlimits = Number(/overlimits (\d+)/.exec(stats)?.[1] ?? 0);
    assert.ok(overlimits > 0, `the shaper held packets back: ${stats}`);
    heal();
    assert.doesNotMatch(spawnSync('tc', ['qdisc', 'show', 'dev', `${iso.prefix}-node0`], { encoding: 'utf8' }).stdout, /tbf/);
  });

  await t.test('disk-full fills the filesystem under pg_wal; heal frees it', () => {
    assert.equal(labCli('fault', 'disk-full', 'node1').code, 0);
    const full = onHost(n1, `dd if=/dev/zero of=${layout.nodes[1]!.dataDir}/pg_wal/filler bs=64k count=4 2>&1; rm -f ${layout.nodes[1]!.dataDir}/pg_wal/filler`);
    assert.match(full.stdout, /No space left on device/);
    heal();
    const freed = onHost(n1, `dd if=/dev/zero of=${layout.nodes[1]!.dataDir}/pg_wal/filler bs=64k count=4 2>&1; rm -f ${layout.nodes[1]!.dataDir}/pg_wal/filler`);
    assert.doesNotMatch(freed.stdout, /No space left/);
  });

  await t.test('crash kills everything on the host; heal brings back its sshd only', () => {
    assert.equal(labCli('fault', 'crash', 'node2').code, 0);
    const status = JSON.parse(labCli('status', '--json').stdout) as { processes: Array<{ what: string; alive: boolean }> };
    assert.deepEqual(status.processes.filter((p) => p.what.endsWith('node2')).map((p) => [p.what, p.alive]),
      [['host node2', true], ['sshd node2', false], ['postgres node2', false]]);
    assert.equal(tcpFromWorkstation(n2, 5432), false, 'nothing listens on node2');
    heal();
    const r = onHost(n2, 'ps -e -o comm=');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /postgres/, 'PostgreSQL stays down until someone starts it');
  });

  await t.test('lab down leaves no namespace, mount, link, route or process behind', () => {
    const down = labCli('down');
    assert.equal(down.code, 0, down.stderr);
    assert.equal(existsSync(dir), false);
    const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    assert.doesNotMatch(netns, new RegExp(`^${iso.prefix}-`, 'm'));
    const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
    assert.doesNotMatch(links, new RegExp(`: ${iso.prefix}[-:@]`));
    const routes = spawnSync('ip', ['route', 'show'], { encoding: 'utf8' }).stdout;
    assert.doesNotMatch(routes, new RegExp(iso.subnet.replace(/\./g, '\\.')));
    assert.match(routes, new RegExp(`^blackhole ${iso.blackhole.replace(/\./g, '\\.')}`, 'm'), 'the blackhole stays so nothing for the range leaves');
    const leftovers: string[] = [];
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (readFileSync(`/proc/${pid}/mountinfo`, 'utf8').includes(`${dir}/hosts/`)) leftovers.push(pid);
      } catch { /* gone */ }
    }
    assert.deepEqual(leftovers, [], 'no process keeps a host\'s mounts');
  });
});
