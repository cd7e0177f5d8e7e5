import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLabDir, labLayout, allHosts } from '../../../src/core/lab/layout';
import { findLabPrograms } from '../../../src/core/lab/prerequisites';
import { lookupUser } from '../../../src/core/lab/serviceUser';
import { knownHostsLine, sshdConfig } from '../../../src/core/lab/sshd';
import { identityConf, primaryConninfo } from '../../../src/core/lab/postgres';
import { labLayoutFor } from '../../../src/core/lab/lab';
import { labEnvLines } from '../../../src/core/lab/env';
import { processAlive, runProgram } from '../../../src/core/lab/proc';
import { labClusterDefinition } from '../../../src/core/lab/clusterFile';
import { parse } from 'yaml';

const layout = labLayout('/srv/lab');
const user = { name: 'postgres', uid: 101, gid: 104, home: '/var/lib/postgresql', switched: true };

test('the lab has pgpool on .10 and nodes on .11-.13, each with its own folder', () => {
  assert.deepEqual(allHosts(layout).map((h) => h.address), ['127.0.0.10', '127.0.0.11', '127.0.0.12', '127.0.0.13']);
  assert.equal(new Set(allHosts(layout).map((h) => h.dir)).size, 4);
  assert.equal(layout.nodes[1]?.dataDir, '/srv/lab/hosts/node1/data');
});

test('the default lab folder is never under /tmp (sshd StrictModes)', () => {
  assert.equal(defaultLabDir({}, 0), '/var/lib/pgpool-cluster-lab');
  assert.match(defaultLabDir({}, 1000), /\.local\/share\/pgpool-cluster-lab$/);
  assert.equal(defaultLabDir({ PGPOOL_CLUSTER_LAB_DIR: '/x' }, 0), '/x');
});

test('missing programs are named with the apt command that installs them', () => {
  assert.throws(() => findLabPrograms(15, (p) => !p.includes('pgpool')), (err: Error) => {
    assert.match(err.message, /apt-get install -y pgpool2 postgresql-15-pgpool2/);
    return true;
  });
  assert.equal(findLabPrograms(15, () => true).pgBin, '/usr/lib/postgresql/15/bin');
});

test('users are looked up in a passwd file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'passwd-'));
  writeFileSync(join(dir, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\npostgres:x:101:104:PostgreSQL:/var/lib/postgresql:/bin/bash\n');
  assert.deepEqual(lookupUser('postgres', join(dir, 'passwd')), { name: 'postgres', uid: 101, gid: 104, home: '/var/lib/postgresql', switched: true });
  assert.equal(lookupUser('nobody-here', join(dir, 'passwd')), undefined);
});

test('sshd for a host: its own address, host key and authorized_keys; keys only', () => {
  const node = layout.nodes[0]!;
  const conf = sshdConfig(node, user, '/usr/lib/postgresql/15/bin', true);
  assert.match(conf, /^ListenAddress 127\.0\.0\.11:2222$/m);
  assert.match(conf, /^HostKey \/srv\/lab\/hosts\/node0\/sshd\/ssh_host_ed25519_key$/m);
  assert.match(conf, /^AuthorizedKeysFile \/srv\/lab\/hosts\/node0\/sshd\/authorized_keys$/m);
  assert.match(conf, /^PasswordAuthentication no$/m);
  assert.match(conf, /^UsePAM yes$/m);
  assert.match(sshdConfig(node, { ...user, switched: false }, '/bin', false), /^UsePAM no$/m);
  assert.equal(knownHostsLine('127.0.0.11', 'ssh-ed25519 AAAAkey comment'), '[127.0.0.11]:2222 ssh-ed25519 AAAAkey');
});

test('each node keeps its identity outside the data directory and streams with its own application_name', () => {
  const n = layout.nodes[2]!;
  assert.match(identityConf(n), /listen_addresses = '127\.0\.0\.13'/);
  assert.match(identityConf(n), /unix_socket_directories = '\/srv\/lab\/hosts\/node2\/run'/);
  assert.equal(primaryConninfo(layout, layout.nodes[0]!, n), 'host=127.0.0.11 port=5432 user=replicator application_name=node2 passfile=/srv/lab/pgpass');
});

test('lab env exports quoted values a shell can eval', async () => {
  const lines = labEnvLines(layout, 'postgres');
  const script = `${lines.join('\n')}\nprintf '%s|%s|%s' "$PGHOST" "$PGPORT" "$PGPOOL_CLUSTER_LAB_SSH"`;
  const r = await runProgram('bash', ['-c', script]);
  assert.equal(r.code, 0, r.stderr);
  const [host, port, ssh] = r.stdout.split('|');
  assert.equal(host, '127.0.0.10');
  assert.equal(port, '9999');
  assert.match(ssh ?? '', /-o StrictHostKeyChecking=yes .*-i \/srv\/lab\/client\/id_ed25519 -p 2222 -l postgres/);
});

test('the lab cluster file names every node and no secret', () => {
  const text = labClusterDefinition(layout, findLabPrograms(15, () => true), user);
  const def = parse(text) as { clusters: Array<{ nodes: Array<{ host: string; id: number }>; pgpool: Array<{ port: number }> }> };
  assert.deepEqual(def.clusters[0]?.nodes.map((n) => [n.id, n.host]), [[0, '127.0.0.11'], [1, '127.0.0.12'], [2, '127.0.0.13']]);
  assert.equal(def.clusters[0]?.pgpool[0]?.port, 9999);
  assert.doesNotMatch(text, /password/i);
});

test('processAlive tells a live process from a finished one', async () => {
  assert.equal(processAlive(process.pid), true);
  const { spawn } = await import('node:child_process');
  const child = spawn('true');
  await new Promise((r) => child.on('close', r));
  assert.equal(processAlive(child.pid!), false);
});

test('a running loopback lab stays the loopback lab when the isolated lab is asked for by the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-kind-'));
  writeFileSync(join(dir, 'lab.json'), JSON.stringify({ net: '127.0.0', pgMajor: 15, user: 'postgres' }));
  const layout = labLayoutFor(dir, undefined, undefined, { PGPOOL_CLUSTER_LAB_ISOLATED: '1' });
  assert.equal(layout.isolation, undefined);
  assert.equal(layout.nodes[0]?.address.startsWith('127.0.0.'), true);
});
