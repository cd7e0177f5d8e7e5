// The editor's status (one ClusterSession per cluster, the tree's SSH pool) names the same SSH fault problems as
// the CLI's `status`: host-key-changed, credentials-rejected, disk-full (df of a silent node's data directory) and
// operation-in-progress. In-process SSH servers on 127.0.0.1 play the hosts; PostgreSQL and pgpool are closed ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { Server, utils } from 'ssh2';
import type { ClusterDefinition } from '../../../src/core/inventory/model';
import { knownHostsLine } from '../../../src/core/remote/knownHosts';
import { lockPath } from '../../../src/core/ops/engine/lock';
import { ClusterSession } from '../../../src/extension/tree/clusterSession';

const ecKey = (): string => generateKeyPairSync('ec', { namedCurve: 'prime256v1', privateKeyEncoding: { type: 'sec1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
const publicBlob = (pem: string): Buffer => {
  const k = utils.parseKey(pem);
  if (k instanceof Error) throw k;
  return k.getPublicSSH();
};

interface SshHost { readonly port: number; readonly key: string; readonly commands: string[]; close(): Promise<void> }

/** An SSH server that accepts or refuses every login; `df` gets `dfOut`, anything else exits 1. */
async function sshHost(accept: boolean, dfOut = ''): Promise<SshHost> {
  const key = ecKey();
  const commands: string[] = [];
  const clients: { end(): void }[] = [];
  const server = new Server({ hostKeys: [key] }, (client) => {
    clients.push(client);
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => (accept ? ctx.accept() : ctx.reject(['publickey'])));
    client.on('session', (acceptSession) => {
      acceptSession().on('exec', (acceptExec, _reject, info) => {
        commands.push(info.command);
        const stream = acceptExec();
        if (/\bdf\b/.test(info.command)) stream.write(dfOut);
        stream.exit(/\bdf\b/.test(info.command) ? 0 : 1);
        stream.end();
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port, key, commands,
    close: async () => {
      for (const c of clients) c.end();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A loopback port nothing listens on: PostgreSQL and pgpool refuse at once. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('the editor session\'s refresh names host-key-changed, credentials-rejected, disk-full and operation-in-progress', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'session-faults-'));
  const stateBefore = process.env.PGPOOL_CLUSTER_STATE_DIR;
  process.env.PGPOOL_CLUSTER_STATE_DIR = path.join(dir, 'state');
  const reinstalled = await sshHost(true);
  const refusing = await sshHost(false);
  // 1 MB free where PostgreSQL needs a 16 MB WAL segment.
  const full = await sshHost(true, 'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vdb 1048576 1047552 1024 100% /var/lib/postgresql\n/dev/vdb 1048576 1047552 1024 100% /var/lib/postgresql\n');
  const pgpoolSsh = await sshHost(true);
  let session: ClusterSession | undefined;
  try {
    const identity = path.join(dir, 'id_ecdsa');
    writeFileSync(identity, ecKey(), { mode: 0o600 });
    // node0's host was "reinstalled": known_hosts holds another key of the same type.
    const knownHosts = path.join(dir, 'known_hosts');
    writeFileSync(knownHosts, [
      knownHostsLine('127.0.0.1', reinstalled.port, publicBlob(ecKey())),
      knownHostsLine('127.0.0.1', refusing.port, publicBlob(refusing.key)),
      knownHostsLine('127.0.0.1', full.port, publicBlob(full.key)),
      knownHostsLine('127.0.0.1', pgpoolSsh.port, publicBlob(pgpoolSsh.key)),
    ].join('\n') + '\n');
    const node = async (name: string, id: number, sshPort: number) => ({
      name, id, host: '127.0.0.1', port: await closedPort(), dataDirectory: '/var/lib/postgresql/15/main', ssh: { port: sshPort },
    });
    const cluster: ClusterDefinition = {
      name: `faults-${process.pid}`, ssh: { user: 'postgres', identityFile: identity, knownHostsFile: knownHosts }, database: { user: 'postgres' }, replication: {},
      pgpool: [{ name: 'pgpool', host: '127.0.0.1', port: await closedPort(), pcpPort: 9898, ssh: { port: pgpoolSsh.port } }],
      nodes: [await node('node0', 0, reinstalled.port), await node('node1', 1, refusing.port), await node('node2', 2, full.port)],
    };
    // An operation of this workstation holds the cluster's lock (a live pid: never stale).
    const lock = lockPath(cluster.name);
    mkdirSync(path.dirname(lock), { recursive: true });
    const now = new Date().toISOString();
    writeFileSync(lock, JSON.stringify({ operation: 'recover node1', pid: process.pid, host: hostname(), startedAt: now, heartbeatAt: now }));

    session = new ClusterSession(cluster, { hostKeyPolicy: { mode: 'strict' }, timeoutMs: 2000 });
    const status = await session.refresh();
    const byCode = (code: string): string[] => status.problems.filter((p) => p.code === code).flatMap((p) => p.nodes);
    assert.deepEqual(byCode('host-key-changed'), ['node0'], JSON.stringify(status.problems, null, 1));
    assert.deepEqual(byCode('credentials-rejected'), ['node1']);
    assert.deepEqual(byCode('disk-full'), ['node2']);
    assert.match(status.problems.find((p) => p.code === 'disk-full')?.message ?? '', /1 MB free/);
    assert.equal(status.problems.filter((p) => p.code === 'operation-in-progress').length, 1);
    assert.match(status.problems.find((p) => p.code === 'operation-in-progress')?.message ?? '', /recover node1 is running/);
    assert.ok(status.nodes.find((n) => n.name === 'node0')?.problems.includes('host-key-changed'), 'the node row carries the code too');
    // The disk was looked at with df over SSH; no command ran on the host whose key changed.
    assert.ok(full.commands.some((c) => /df -Pk/.test(c)), `commands on node2: ${full.commands.join('; ')}`);
    assert.deepEqual(reinstalled.commands, []);

    // The next refresh reuses the pooled logins: no new SSH connection to the hosts that answered.
    const opened = session.pool.stats().connectionsOpened;
    const again = await session.refresh();
    assert.deepEqual(again.problems.map((p) => p.code).filter((c) => c !== 'node-unreachable' && c !== 'pgpool-unreachable').sort(),
      status.problems.map((p) => p.code).filter((c) => c !== 'node-unreachable' && c !== 'pgpool-unreachable').sort());
    assert.equal(session.pool.stats().connectionsOpened, opened, 'no new SSH connection on a warm refresh');
  } finally {
    await session?.close();
    await Promise.all([reinstalled, refusing, full, pgpoolSsh].map((h) => h.close()));
    if (stateBefore === undefined) delete process.env.PGPOOL_CLUSTER_STATE_DIR;
    else process.env.PGPOOL_CLUSTER_STATE_DIR = stateBefore;
    rmSync(dir, { recursive: true, force: true });
  }
});
