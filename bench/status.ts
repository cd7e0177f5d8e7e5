/**
 * Status refresh figures against the lab: cold (new connections) and warm (reused), SQL round trips per
 * refresh, and 64 synthetic nodes (64 real connections spread over the lab's three PostgreSQL servers).
 * Each warm refresh is paired with its floor, measured right after it: `SELECT 1` on a warm connection to
 * every target at once (pgpool and each node), so the ratio is what the refresh costs above one round trip.
 * Goals: warm < 50 ms median and p95 < 80 ms, 64 nodes < 300 ms, round trips constant per node.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { loadClusterFile } from '../src/core/inventory/load';
import type { ClusterDefinition } from '../src/core/inventory/model';
import { PgSqlClient, type PgEndpoint } from '../src/core/db/pgClient';
import { StatusCollector } from '../src/core/status/collector';
import { SshPool } from '../src/core/remote/sshPool';
import { readSshConfigText } from '../src/core/remote/sshConfigFile';
import { median, quantile, ratioText, spread } from './stats';

const LAB_FILE = path.join(process.env.PGPOOL_CLUSTER_LAB_DIR ?? '/var/lib/pgpool-cluster-lab', 'pgpool-cluster.yaml');

interface Warm { times: number[]; floors: number[]; ratios: number[]; roundTrips: number }

/** Warm refreshes, each followed by its floor: `SELECT 1` on every target at once over warm connections. */
async function measure(collector: StatusCollector, floorClients: PgSqlClient[], runs: number): Promise<Warm> {
  const out: Warm = { times: [], floors: [], ratios: [], roundTrips: 0 };
  await Promise.all(floorClients.map((c) => c.query('SELECT 1')));
  const before = collector.roundTrips();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await collector.refresh();
    const t = performance.now() - t0;
    const f0 = performance.now();
    await Promise.all(floorClients.map((c) => c.query('SELECT 1')));
    const f = performance.now() - f0;
    out.times.push(t);
    out.floors.push(f);
    out.ratios.push(t / f);
  }
  out.roundTrips = (collector.roundTrips() - before) / runs;
  return out;
}

function line(label: string, ms: number, goal?: number, extra = ''): void {
  const verdict = goal === undefined ? '' : ms < goal ? `  (goal < ${goal} ms: met, ${(goal / ms).toFixed(1)}x headroom)` : `  (goal < ${goal} ms: MISSED)`;
  console.log(`${label.padEnd(40)} ${ms.toFixed(1).padStart(8)} ms${verdict}${extra}`);
}

function warmLines(label: string, w: Warm, goal: number, p95Goal?: number): void {
  const p95 = quantile(w.times, 0.95);
  const p95Text = p95Goal === undefined ? `p95 ${p95.toFixed(1)} ms` : `p95 ${p95.toFixed(1)} ms (goal < ${p95Goal} ms: ${p95 < p95Goal ? 'met' : 'MISSED'})`;
  console.log(`${label.padEnd(40)} ${spread(w.times)}  (goal < ${goal} ms: ${median(w.times) < goal ? 'met' : 'MISSED'}), ${p95Text}`);
  console.log(`${'  floor: SELECT 1 on every target at once'.padEnd(40)} ${spread(w.floors)}; refresh / floor ${ratioText(w.ratios)}; round trips/refresh ${w.roundTrips}`);
}

/**
 * The editor's session refreshes with the SSH fault probes on (`hostProbes`, as the CLI's status): the same warm
 * refresh with and without them, alternated on one SSH pool so both see the same machine; the ratio is the cost.
 */
async function hostProbeCost(lab: ClusterDefinition, runs: number): Promise<void> {
  const sshConfigText = await readSshConfigText();
  const sshPool = new SshPool({ hostKeyPolicy: { mode: 'strict' } });
  const opts = { sshPool, ...(sshConfigText !== undefined ? { sshConfigText } : {}) };
  const plain = new StatusCollector(lab, opts);
  const probed = new StatusCollector(lab, { ...opts, hostProbes: true });
  try {
    await plain.refresh();
    const first = await probed.refresh();
    const sshProblems = first.problems.filter((p) => ['host-key-changed', 'credentials-rejected'].includes(p.code));
    if (sshProblems.length) console.log(`  (SSH logins failed: ${sshProblems.map((p) => p.message).join(' / ')})`);
    const opened = sshPool.stats().connectionsOpened;
    const without: number[] = [];
    const withProbes: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await plain.refresh();
      const a = performance.now() - t0;
      const t1 = performance.now();
      await probed.refresh();
      const b = performance.now() - t1;
      without.push(a);
      withProbes.push(b);
      ratios.push(b / a);
    }
    console.log(`${`lab warm refresh + SSH fault probes (${runs})`.padEnd(40)} ${spread(withProbes)}; without ${spread(without)}; with / without ${ratioText(ratios)}; SSH logins during the runs: ${sshPool.stats().connectionsOpened - opened}`);
  } finally {
    await Promise.all([plain.close(), probed.close()]);
    await sshPool.close();
  }
}

export async function benchStatus(): Promise<void> {
  console.log('== status refresh ==');
  if (!existsSync(LAB_FILE)) {
    console.log(`skipped: no lab cluster file at ${LAB_FILE} (run: node dist/cli.js lab up)`);
    return;
  }
  const loaded = await loadClusterFile(LAB_FILE);
  if (!loaded.ok) throw new Error(loaded.message);
  const lab = loaded.file.clusters[0]!;

  // Cold: a fresh collector each time (TCP + auth + first queries).
  const colds: number[] = [];
  let coldTrips = 0;
  for (let i = 0; i < 5; i++) {
    const c = new StatusCollector(lab);
    const t0 = performance.now();
    const s = await c.refresh();
    colds.push(performance.now() - t0);
    coldTrips = c.roundTrips();
    if (i === 0) console.log(`lab health: ${s.health}; ${s.nodes.map((n) => `${n.name}=${n.role}/${n.status}`).join(' ')}`);
    await c.close();
  }
  console.log(`${'lab cold refresh (new connections)'.padEnd(40)} ${spread(colds)}; round trips: ${coldTrips} for ${lab.nodes.length} nodes + pgpool`);

  const floorOf = (c: ClusterDefinition): PgSqlClient[] => [...c.pgpool, ...c.nodes].map((t) => new PgSqlClient({
    host: t.host, port: t.port,
    ...(c.database.user ? { user: c.database.user } : {}), ...(c.database.name ? { database: c.database.name } : {}),
    ...(c.database.passfile ? { passfile: c.database.passfile } : {}),
  }));
  const warm = new StatusCollector(lab);
  await warm.refresh();
  const labFloor = floorOf(lab);
  warmLines('lab warm refresh (30 runs)', await measure(warm, labFloor, 30), 50, 80);
  await warm.close();
  await Promise.all(labFloor.map((c) => c.close()));
  await hostProbeCost(lab, 30);

  // 64 synthetic nodes: distinct connections, each to one of the lab's servers.
  const real = lab.nodes;
  const synthetic: ClusterDefinition = {
    ...lab,
    nodes: Array.from({ length: 64 }, (_, i) => ({ name: `syn${i}`, id: i, host: `syn-${i}`, port: 5432, ssh: {} })),
  };
  const realEndpoint = (ep: PgEndpoint): PgEndpoint => {
    const m = /^syn-(\d+)$/.exec(ep.host);
    if (!m) return ep;
    const target = real[Number(m[1]) % real.length]!;
    return { ...ep, host: target.host, port: target.port };
  };
  const factory = (ep: PgEndpoint): PgSqlClient => new PgSqlClient(realEndpoint(ep));
  const big = new StatusCollector(synthetic, { sqlClientFactory: factory, timeoutMs: 5000 });
  const t0 = performance.now();
  await big.refresh();
  line('64 nodes cold refresh', performance.now() - t0);
  const bigFloor = floorOf(synthetic).map((c, i) => (i < synthetic.pgpool.length ? c : new PgSqlClient(realEndpoint({ host: `syn-${i - synthetic.pgpool.length}`, port: 5432, ...(lab.database.user ? { user: lab.database.user } : {}), ...(lab.database.name ? { database: lab.database.name } : {}), ...(lab.database.passfile ? { passfile: lab.database.passfile } : {}) }))));
  warmLines('64 nodes warm refresh (10 runs)', await measure(big, bigFloor, 10), 300);
  await big.close();
  await Promise.all(bigFloor.map((c) => c.close()));
}

if (require.main === module) {
  benchStatus().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
