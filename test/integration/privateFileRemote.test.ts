/** Secret files written over real SSH (the lab's sshd) go through a 0600 temporary file renamed over the target. */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ensureLab } from '../lab/labFixture';
import { defaultLabDir } from '../../src/core/lab/layout';
import { loadClusterFile } from '../../src/core/inventory/load';
import type { ClusterDefinition } from '../../src/core/inventory/model';
import { SshPool } from '../../src/core/remote/sshPool';
import { SshRemoteHost } from '../../src/core/remote/sshRemoteHost';
import { resolveSshTarget } from '../../src/core/remote/sshConfig';
import { waitFor } from '../harness/wait';

let cluster: ClusterDefinition;
let pool: SshPool;

before(async () => {
  const clusterFile = path.join(defaultLabDir(), 'pgpool-cluster.yaml');
  try {
    ensureLab();
  } catch (err) {
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

test('writeFile over SSH replaces a world-readable file (hostile path) with a new 0600 file; a reader of the old one never sees the secret', async () => {
  const node = cluster.nodes[0]!;
  const host = new SshRemoteHost(pool, resolveSshTarget(node.host, node.ssh, {}));
  const dir = `/tmp/pgpool-cluster-it-${process.pid} dir $(touch x) ';'`;
  const file = `${dir}/.pcppass`;
  const prep = await host.exec(['sh', '-c', 'mkdir -p "$1" && printf old > "$2" && chmod 644 "$2" && stat -c %i "$2"', 'sh', dir, file]);
  assert.equal(prep.code, 0, prep.stderr);
  const oldInode = prep.stdout.trim();
  // A reader holds the old file open (fd 3) while the write happens, then reads through it.
  const reader = host.exec(['sh', '-c', 'exec 3< "$1"; : > "$1.open"; while [ ! -e "$1.done" ]; do sleep 0.05; done; cat <&3', 'sh', file]);
  await waitFor('the reader to open the old file', async () => (await host.exec(['test', '-e', `${file}.open`])).code === 0, 30_000, 100);
  await host.writeFile(file, 'localhost:9898:pcpadmin:s3cret\n', { mode: 0o600 });
  await host.exec(['touch', `${file}.done`]);
  assert.equal((await reader).stdout, 'old', 'the old file never held the secret');
  const after = await host.exec(['sh', '-c', 'stat -c "%a %i" "$1"; ls -A "$2"', 'sh', file, dir]);
  const [mode, inode] = (after.stdout.split('\n')[0] ?? '').split(' ');
  assert.equal(mode, '600');
  assert.notEqual(inode, oldInode);
  assert.deepEqual(after.stdout.split('\n').slice(1).filter(Boolean).sort(), ['.pcppass', '.pcppass.done', '.pcppass.open'], 'no temporary file left');
  assert.equal((await host.readFile(file)).toString(), 'localhost:9898:pcpadmin:s3cret\n');
  await host.exec(['rm', '-rf', '--', dir]);
});
