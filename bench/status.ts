/**
 * Status refresh figures against the lab: cold (new connections) and warm (reused), SQL round trips per
 * refresh, and 64 synthetic nodes (64 real connections spread over the lab's three PostgreSQL servers).
 * Goals: warm < 50 ms, 64 nodes < 300 ms, round trips constant per node.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { loadClusterFile } from '../src/core/inventory/load';
import type { ClusterDefinition } from '../src/core/inventory/model';
import { PgSqlClient, type PgEndpoint } from '../src/core/db/pgClient';
import { StatusCollector } from '../src/core/status/collector';

const LAB_FILE = path.join(process.env.PGPOOL_CLUSTER_LAB_DIR ?? '/var/lib/pgpool-cluster-lab', 'pgpool-cluster.yaml');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function measure(collector: StatusCollector, runs: number): Promise<{ median: number; p95: number; roundTrips: number }> {
  const times: number[] = [];
  const before = collector.roundTrips();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await collector.refresh();
    times.push(performance.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { median: median(times), p95: sorted[Math.floor(sorted.length * 0.95)] ?? NaN, roundTrips: (collector.roundTrips() - before) / runs };
}

function line(label: string, ms: number, goal?: number, extra = ''): void {
  const verdict = goal === undefined ? '' : ms < goal ? `  (goal < ${goal} ms: met, ${(goal / ms).toFixed(1)}x headroom)` : `  (goal < ${goal} ms: MISSED)`;
  console.log(`${label.padEnd(40)} ${ms.toFixed(1).padStart(8)} ms${verdict}${extra}`);
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
  line('lab cold refresh (median of 5)', median(colds), undefined, `  round trips: ${coldTrips} for ${lab.nodes.length} nodes + pgpool`);

  const warm = new StatusCollector(lab);
  await warm.refresh();
  const w = await measure(warm, 30);
  line('lab warm refresh (median of 30)', w.median, 50, `  p95 ${w.p95.toFixed(1)} ms, round trips/refresh ${w.roundTrips} (= ${lab.nodes.length} nodes + 1 pgpool)`);
  await warm.close();

  // 64 synthetic nodes: distinct connections, each to one of the lab's servers.
  const real = lab.nodes;
  const synthetic: ClusterDefinition = {
    ...lab,
    nodes: Array.from({ length: 64 }, (_, i) => ({ name: `syn${i}`, id: i, host: `syn-${i}`, port: 5432, ssh: {} })),
  };
  const factory = (ep: PgEndpoint): PgSqlClient => {
    const m = /^syn-(\d+)$/.exec(ep.host);
    if (!m) return new PgSqlClient(ep);
    const target = real[Number(m[1]) % real.length]!;
    return new PgSqlClient({ ...ep, host: target.host, port: target.port });
  };
  const big = new StatusCollector(synthetic, { sqlClientFactory: factory, timeoutMs: 5000 });
  const t0 = performance.now();
  await big.refresh();
  line('64 nodes cold refresh', performance.now() - t0);
  const b = await measure(big, 10);
  line('64 nodes warm refresh (median of 10)', b.median, 300, `  round trips/refresh ${b.roundTrips} (= 64 + 1)`);
  await big.close();
}

if (require.main === module) {
  benchStatus().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
