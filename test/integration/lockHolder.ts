// A second workstation for the lock test: takes the cluster lock on the lab's pgpool host, says "held", keeps it
// until its stdin closes. Run as its own process with its own HOME and state directory.
import { loadClusterFile } from '../../src/core/inventory/load';
import { acquireClusterLock } from '../../src/core/ops/engine/clusterLock';
import { ClusterOpsEnvironment } from '../../src/core/ops/engine/environment';
import { SshPool } from '../../src/core/remote/sshPool';

async function main(file: string): Promise<void> {
  const loaded = await loadClusterFile(file);
  if (!loaded.ok) throw new Error(`cluster file: ${file}`);
  const cluster = loaded.file.clusters[0]!;
  const sshPool = new SshPool({ hostKeyPolicy: { mode: 'strict' } });
  const env = new ClusterOpsEnvironment(cluster, { sshPool });
  const lock = await acquireClusterLock(env.remote(cluster.pgpool[0]!.name), cluster.name, 'held by the lock test', { heartbeatMs: 1000 });
  process.stdout.write('held\n');
  await new Promise<void>((resolve) => { process.stdin.on('end', resolve); process.stdin.resume(); });
  await lock.release();
  await sshPool.close();
  process.stdout.write('released\n');
}

main(process.argv[2] ?? '').catch((err: unknown) => { process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`); process.exit(1); });
